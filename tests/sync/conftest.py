"""Fixtures for the sync tests: in-process sandboxes and cache files.

A full sync of the `medium` sandbox is run once per session into a template cache;
tests that need a synced medium cache get their own copy of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sync_world import SyncWorld, copy_cache, sandbox_app


@pytest.fixture(scope="session")
def medium_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache file holding one full sync of the medium sandbox (closed, ready to copy)."""
    db_file = tmp_path_factory.mktemp("medium") / "cache.db"
    world = SyncWorld(sandbox_app("medium"), db_file)

    async def fill() -> None:
        async with world.open():
            await world.sync(full=True)

    asyncio.run(fill())
    return db_file


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[SyncWorld]:
    """A fresh cache and the small sandbox."""
    async with SyncWorld(sandbox_app("small"), tmp_path / "cache.db").open() as world:
        yield world


@pytest.fixture
async def medium(tmp_path: Path, medium_template: Path) -> AsyncIterator[SyncWorld]:
    """A copy of the fully synced medium cache and a medium sandbox in the same state."""
    db_file = copy_cache(medium_template, tmp_path / "cache.db")
    async with SyncWorld(sandbox_app("medium"), db_file).open() as world:
        world.sandbox.reset_counters()
        yield world
