"""The entry point for scripts and the MCP server: one engine and one API client, many services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio

from testio.config import Settings
from testio.errors import ServiceStateError

if TYPE_CHECKING:
    import httpx
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from testio.client.api import TestIOClient
    from testio.services.analytics import AnalyticsService
    from testio.services.bugs import BugService
    from testio.services.catalogue import CatalogueService
    from testio.services.health import HealthService
    from testio.services.products import ProductService
    from testio.services.reports import ReportService
    from testio.services.search import SearchService
    from testio.services.stats import StatsService
    from testio.services.sync import SyncService
    from testio.services.tests import TestService
    from testio.services.triage import TriageService

log = logging.getLogger("testio")


def utcnow() -> datetime:
    """The current instant, aware UTC."""
    return datetime.now(UTC)


class App:
    """Opens the cache engine and the TestIO client once, and hands out services.

    ```python
    async with testio.open() as app:
        async with app.tests() as tests:
            status = await tests.get_test_status(141290)
    ```
    Each service is a fresh unit of work that owns its database session for the length of
    its own `async with` block. Without an API token the app still answers from the cache.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], datetime] = utcnow,
        backoff_base: float = 0.5,
    ) -> None:
        self.settings = settings if settings is not None else Settings.from_env()
        self.clock = clock
        self._transport = transport
        self._backoff_base = backoff_base
        self._engine: AsyncEngine | None = None
        self._factory: async_sessionmaker[AsyncSession] | None = None
        self._client: TestIOClient | None = None
        self._state = "new"
        self._tokens: Any = None  # the app's ConfirmationTokens, made on first use

    def __repr__(self) -> str:
        return f"<App {self._state} api={self.settings.api_url!r}>"

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise ServiceStateError(
                f"This App is {self._state}; create a new one with testio.open()."
            )
        from testio.cache.engine import open_engine, session_factory

        self._state = "opening"
        try:
            self._engine = await open_engine(self.settings)
            self._factory = session_factory(self._engine)
            if self.settings.api_token:
                from testio.client.api import TestIOClient

                self._client = TestIOClient(
                    self.settings, transport=self._transport, backoff_base=self._backoff_base
                )
                await self._client.__aenter__()
        except BaseException:
            await self._close()
            raise
        self._state = "open"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def aclose(self) -> None:
        """Close the API client and the engine; closing twice is harmless."""
        await self._close()

    async def _close(self) -> None:
        if self._state == "closed":
            return
        self._state = "closed"
        with anyio.CancelScope(shield=True):
            client, self._client = self._client, None
            engine, self._engine = self._engine, None
            if client is not None:
                try:
                    await client.aclose()
                except Exception:  # cleanup must never mask the caller's error
                    log.exception("closing the TestIO client failed")
            if engine is not None:
                try:
                    await engine.dispose()
                except Exception:
                    log.exception("closing the cache engine failed")

    @property
    def engine(self) -> AsyncEngine:
        """The cache's engine (open apps only)."""
        self._require_open()
        assert self._engine is not None
        return self._engine

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        """The factory every service opens its session from."""
        self._require_open()
        assert self._factory is not None
        return self._factory

    @property
    def client(self) -> TestIOClient | None:
        """The TestIO API client, or None when no token is configured."""
        self._require_open()
        return self._client

    def _require_open(self) -> None:
        if self._state != "open":
            raise ServiceStateError(
                f"This App is {self._state}; use it inside `async with testio.open() as app:`."
            )

    def _kwargs(self) -> dict[str, Any]:
        return {"settings": self.settings, "clock": self.clock}

    def products(self) -> ProductService:
        """A product service for one unit of work (use it with `async with`)."""
        from testio.services.products import ProductService

        return ProductService(self.session_factory, self.client, **self._kwargs())

    def tests(self) -> TestService:
        """A test service for one unit of work (use it with `async with`)."""
        from testio.services.tests import TestService

        return TestService(self.session_factory, self.client, **self._kwargs())

    def bugs(self) -> BugService:
        """A bug service for one unit of work (use it with `async with`)."""
        from testio.services.bugs import BugService

        return BugService(self.session_factory, self.client, **self._kwargs())

    def catalogue(self) -> CatalogueService:
        """A catalogue service (features, user stories) for one unit of work (`async with`)."""
        from testio.services.catalogue import CatalogueService

        return CatalogueService(self.session_factory, self.client, **self._kwargs())

    def reports(self) -> ReportService:
        """A report service for one unit of work (use it with `async with`)."""
        from testio.services.reports import ReportService

        return ReportService(self.session_factory, self.client, **self._kwargs())

    def analytics(self) -> AnalyticsService:
        """A service for grouped metrics (use it with `async with`)."""
        from testio.services.analytics import AnalyticsService

        return AnalyticsService(self.session_factory, self.client, **self._kwargs())

    def search(self) -> SearchService:
        """A full-text search service for one unit of work (use it with `async with`)."""
        from testio.services.search import SearchService

        return SearchService(self.session_factory, self.client, **self._kwargs())

    def sync(self) -> SyncService:
        """A sync service for one run (use it with `async with`)."""
        from testio.services.sync import SyncService

        return SyncService(self.session_factory, self.client, **self._kwargs())

    def stats(self) -> StatsService:
        """A service for cache statistics, sync history and problems (use it with `async with`)."""
        from testio.services.stats import StatsService

        return StatsService(self.session_factory, self.client, **self._kwargs())

    def health(self) -> HealthService:
        """A service for the health check (use it with `async with`)."""
        from testio.services.health import HealthService

        return HealthService(self.session_factory, self.client, **self._kwargs())

    def triage(self) -> TriageService:
        """A service for bug triage writes and their audit log (use it with `async with`).

        Confirmation tokens are signed with a secret this app makes, so a token works only
        with the app (the server process) that previewed the change.
        """
        from testio.services.confirmation import ConfirmationTokens
        from testio.services.triage import TriageService

        if self._tokens is None:
            self._tokens = ConfirmationTokens()
        return TriageService(
            self.session_factory, self.client, tokens=self._tokens, **self._kwargs()
        )


def open(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    **overrides: Any,
) -> App:
    """An App from the CLI's configuration (environment, config file), with optional overrides."""
    if settings is None:
        settings = Settings.from_env(**overrides)
    elif overrides:
        import attrs

        settings = attrs.evolve(settings, **overrides)
    return App(settings, transport=transport)
