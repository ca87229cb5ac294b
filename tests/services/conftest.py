"""Fixtures for the service tests: a fresh cache database per test, on each engine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from testio.cache.engine import open_engine, session_factory


@pytest.fixture
async def engine(cache_url: str) -> AsyncIterator[AsyncEngine]:
    """An open engine on a fresh cache."""
    engine = await open_engine(cache_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory services open their sessions from."""
    return session_factory(engine)
