"""A sandbox, a cache database and a client wired together, for sync tests."""

from __future__ import annotations

import shutil
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from testio.cache.engine import open_engine, session_factory
from testio.cache.models import BugRow, ProblemRow, TestRow
from testio.client import TestIOClient
from testio.config import Settings
from testio.domain.sync import BugRefreshResult, SyncResult
from testio.sandbox import (
    Sandbox,
    SandboxApp,
    SandboxConfig,
    create_app,
    dataset_from_spec,
)
from testio.services.sync import ProgressCallback, SyncService

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
API_URL = "http://sandbox.test/customer/v2"


class Clock:
    """The service clock: fixed until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def sandbox_app(
    size: str = "small", *, spec: Mapping[str, Any] | None = None, now: datetime = NOW
) -> SandboxApp:
    """A pinned, in-process sandbox (generated, or built from a spec)."""
    dataset = dataset_from_spec(spec) if spec is not None else None
    config = SandboxConfig(seed=1, size=size, now=now, dataset=dataset)  # pyright: ignore[reportArgumentType]  # size is one of the literals
    return create_app(config)


class SyncWorld:
    """One sandbox app, one cache database, and helpers to sync and look at the result.

    `database` is a SQLite file or any cache URL.
    """

    def __init__(
        self,
        app: SandboxApp,
        database: Path | str,
        *,
        clock: Clock | None = None,
        **settings: Any,
    ) -> None:
        self.app = app
        self.sandbox: Sandbox = app.sandbox
        url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
        self.clock = clock or Clock()
        self.settings = Settings(
            api_url=API_URL, api_token=self.sandbox.tokens[0], database_url=url, **settings
        )
        self._engine: AsyncEngine | None = None

    @property
    def db_file(self) -> Path:
        """The SQLite file of the cache (SQLite worlds only)."""
        url = self.settings.database_url
        assert url.startswith("sqlite+aiosqlite:///"), "this world's cache is not a SQLite file"
        return Path(url.removeprefix("sqlite+aiosqlite:///"))

    @property
    def engine(self) -> AsyncEngine:
        assert self._engine is not None, "use the world inside `async with world.open()`"
        return self._engine

    @property
    def factory(self) -> async_sessionmaker[AsyncSession]:
        return session_factory(self.engine)

    @asynccontextmanager
    async def open(self) -> AsyncGenerator[SyncWorld]:
        """Open the cache engine for the block."""
        self._engine = await open_engine(self.settings)
        try:
            yield self
        finally:
            await self._engine.dispose()
            self._engine = None

    def client(self, app: SandboxApp | None = None) -> TestIOClient:
        """A client talking to the sandbox in-process (no retry waits)."""
        transport = httpx.ASGITransport(app or self.app)
        return TestIOClient(self.settings, transport=transport, backoff_base=0.0)

    def service(self, client: TestIOClient) -> SyncService:
        """A sync service on the world's cache, with its clock."""
        return SyncService(self.factory, client, settings=self.settings, clock=self.clock)

    async def sync(
        self,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
        app: SandboxApp | None = None,
        **options: Any,
    ) -> SyncResult:
        """One sync run with a fresh client and service."""
        async with self.client(app) as client, self.service(client) as svc:
            return await svc.sync(full=full, progress=progress, **options)

    async def refresh_bugs(self, test_ids: list[int], **options: Any) -> BugRefreshResult:
        """One bug refresh with a fresh client and service."""
        async with self.client() as client, self.service(client) as svc:
            return await svc.refresh_bugs(test_ids, **options)

    def requests(self) -> dict[str, int]:
        """Requests the sandbox received since the last reset, by endpoint."""
        return self.sandbox.counters()

    async def tests(self) -> dict[int, TestRow]:
        async with self.factory() as session:
            return {t.id: t for t in await session.scalars(select(TestRow))}

    async def bugs(self) -> dict[int, BugRow]:
        async with self.factory() as session:
            return {b.id: b for b in await session.scalars(select(BugRow))}

    async def problems(self, *, include_resolved: bool = False) -> list[ProblemRow]:
        async with self.factory() as session:
            stmt = select(ProblemRow).order_by(ProblemRow.id)
            if not include_resolved:
                stmt = stmt.where(ProblemRow.resolved.is_(False))
            return list(await session.scalars(stmt))

    def truth(self) -> list[dict[str, Any]]:
        """The products of account 0 as the sandbox holds them now."""
        products: list[dict[str, Any]] = self.sandbox.ground_truth()["accounts"][0]["products"]
        return products

    def truth_tests(self) -> dict[int, dict[str, Any]]:
        """Every test of account 0 that the list can serve (not poisoned), by id."""
        return {t["id"]: t for p in self.truth() for t in p["tests"] if not t["poisoned"]}


def copy_cache(source: Path, target: Path) -> Path:
    """Copy a closed cache file (a template) for one test."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)
    return target
