"""The databases the cache tests run on: a SQLite file, and PostgreSQL when one is given.

`TESTIO_TEST_POSTGRES_URL` names a PostgreSQL database whose role may create databases
(`.ci/postgres.sh start DIR` prints one). Each PostgreSQL test gets a database of its own,
created from a template and dropped with its connections at the end. Without the variable
the PostgreSQL variants skip, unless `TESTIO_REQUIRE_POSTGRES=1` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Final

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

POSTGRES_ENV: Final = "TESTIO_TEST_POSTGRES_URL"
REQUIRE_ENV: Final = "TESTIO_REQUIRE_POSTGRES"
ENGINES: Final = ("sqlite", "postgresql")


class PostgresServer:
    """The test server: creates and drops one database per test."""

    def __init__(self, url: str) -> None:
        self.url: URL = make_url(url).set(drivername="postgresql+asyncpg")

    def url_of(self, database: str) -> str:
        """The SQLAlchemy URL of one database on the server (password included)."""
        return self.url.set(database=database).render_as_string(hide_password=False)

    async def _admin(self, sql: str) -> None:
        # CREATE/DROP DATABASE cannot run inside a transaction.
        engine = create_async_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    async def create(self, name: str, *, template: str = "template0") -> str:
        """Create an empty database (or a copy of `template`); returns its URL."""
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url_of(name)

    async def drop(self, name: str) -> None:
        """Drop a database, ending any connection still open on it."""
        await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @asynccontextmanager
    async def database(self, *, template: str = "template0") -> AsyncGenerator[str]:
        """A fresh database for one test."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        url = await self.create(name, template=template)
        try:
            yield url
        finally:
            await self.drop(name)


def postgres_server() -> PostgresServer:
    """The configured test server; skips (or fails, when it is required) without one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"{POSTGRES_ENV} is not set (start one with `.ci/postgres.sh start DIR`)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    return PostgresServer(url)


def sqlite_url(path: object) -> str:
    """The async URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{path}"
