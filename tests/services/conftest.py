"""Fixtures for the service tests: a real SQLite file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from testio.cache.engine import open_engine, session_factory


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An open engine on a fresh cache file."""
    engine = await open_engine(f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory services open their sessions from."""
    return session_factory(engine)
