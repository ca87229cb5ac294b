"""Fixtures for the sync tests: in-process sandboxes and cache databases on each engine.

A full sync of the `medium` sandbox is run once per session and engine into a template
cache; tests that need a synced medium cache get their own copy of it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sync_world import SyncWorld, copy_cache, sandbox_app

from tests.databases import ENGINES, PostgresServer, postgres_server


async def _fill(database: Path | str) -> None:
    world = SyncWorld(sandbox_app("medium"), database)
    async with world.open():
        await world.sync(full=True)


@pytest.fixture(scope="session")
def medium_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite cache file holding one full sync of the medium sandbox (closed, ready to copy)."""
    db_file = tmp_path_factory.mktemp("medium") / "cache.db"
    asyncio.run(_fill(db_file))
    return db_file


def _run(coro: Coroutine[Any, Any, object]) -> None:
    """Run a coroutine on a loop of its own (the fixture may be set up inside a test's loop)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def medium_pg_template() -> Iterator[tuple[PostgresServer, str]]:
    """A PostgreSQL database holding one full sync of the medium sandbox, to copy from."""
    server = postgres_server()
    name = f"medium_{uuid.uuid4().hex[:8]}"
    _run(server.create(name))
    try:
        _run(_fill(server.url_of(name)))
        yield server, name
    finally:
        _run(server.drop(name))


@pytest.fixture
async def small(cache_url: str) -> AsyncIterator[SyncWorld]:
    """A fresh cache and the small sandbox."""
    async with SyncWorld(sandbox_app("small"), cache_url).open() as world:
        yield world


@pytest.fixture(params=ENGINES)
async def medium(
    request: pytest.FixtureRequest, tmp_path: Path, medium_template: Path
) -> AsyncIterator[SyncWorld]:
    """A copy of the fully synced medium cache and a medium sandbox in the same state."""
    if request.param == "sqlite":
        db_file = copy_cache(medium_template, tmp_path / "cache.db")
        async with SyncWorld(sandbox_app("medium"), db_file).open() as world:
            world.sandbox.reset_counters()
            yield world
        return
    server, template = request.getfixturevalue("medium_pg_template")
    async with (
        server.database(template=template) as url,
        SyncWorld(sandbox_app("medium"), url).open() as world,
    ):
        world.sandbox.reset_counters()
        yield world
