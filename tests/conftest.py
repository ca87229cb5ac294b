"""Fixtures shared by every test directory: the cache database, a sandbox world, a synced cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from testio.sandbox import SandboxConfig
from tests.databases import ENGINES, postgres_server, sqlite_url
from tests.world import NOW, World


@pytest.fixture(params=ENGINES)
async def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty cache database: a SQLite file, then a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "cache.db")
        return
    async with postgres_server().database() as url:
        yield url


@pytest.fixture
def world(tmp_path: Path, cache_url: str) -> World:
    return World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW), database_url=cache_url)


@pytest.fixture
async def synced(world: World) -> World:
    await world.sync()
    return world
