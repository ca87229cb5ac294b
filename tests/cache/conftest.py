"""Fixtures for the cache tests: a fresh cache database per test, on each engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from testio.cache.engine import open_engine, session_factory
from testio.config import Settings


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """Where a SQLite test's cache file lives."""
    return tmp_path / "cache" / "cache.db"


@pytest.fixture
def settings(cache_url: str) -> Settings:
    """Settings that point the cache at the test's database."""
    return Settings(database_url=cache_url)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """An open engine on a fresh cache."""
    engine = await open_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sqlite_engine(db_file: Path) -> AsyncIterator[AsyncEngine]:
    """An open engine on a fresh SQLite cache file (for what only SQLite has)."""
    engine = await open_engine(f"sqlite+aiosqlite:///{db_file}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on the fresh cache (the test commits when it needs to)."""
    async with session_factory(engine)() as session:
        yield session
