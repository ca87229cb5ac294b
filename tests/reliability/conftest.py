"""Fixtures for the reliability tests: the dump of a cache filled by one clean sync."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from testio.sandbox import SandboxConfig
from tests.databases import sqlite_url
from tests.reliability.cache_dump import CacheDump, dump_cache
from tests.reliability.faulty_world import synced_result
from tests.world import NOW, World


@pytest.fixture
def cache_url(tmp_path: Path) -> str:
    """The reliability runs inspect the cache file itself: SQLite only."""
    return sqlite_url(tmp_path / "cache.db")


@pytest.fixture(scope="session")
def clean_small(tmp_path_factory: pytest.TempPathFactory) -> CacheDump:
    """The cache of one fault-free sync of the small sandbox, dumped."""
    folder = tmp_path_factory.mktemp("clean-small")
    world = World(folder, SandboxConfig(seed=1, size="small", now=NOW))
    asyncio.run(synced_result(world))
    return dump_cache(folder / "cache.db")


@pytest.fixture
def db_file(world: World) -> Path:
    """The cache file of the `world` fixture."""
    return Path(world.settings.database_url.removeprefix("sqlite+aiosqlite:///"))
