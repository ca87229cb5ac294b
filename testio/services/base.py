"""BaseService: one instance serves one unit of work and owns its database session.

```python
async with SyncService(factory, client, settings=settings) as sync:
    result = await sync.sync()
```
Entering opens one `AsyncSession` and the repositories on it; leaving commits (or rolls
back on error or cancellation) and always closes the session, shielded from cancellation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self, TypeVar, cast

import anyio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from testio.cache.models import ProductRow
from testio.config import Settings
from testio.errors import ConfigError, NotFoundInCacheError, ServiceStateError
from testio.repositories import Repositories

if TYPE_CHECKING:
    from testio.client.api import TestIOClient

log = logging.getLogger("testio.services")

ServiceT = TypeVar("ServiceT", bound="BaseService")


def utcnow() -> datetime:
    """The current instant, aware UTC."""
    return datetime.now(UTC)


class BaseService:
    """One unit of work: `async with` opens its session and repositories, leaving ends them.

    Leaving the block commits when it ran without error and rolls back otherwise (an error,
    or a cancelled task); either way the session is closed, shielded from cancellation.
    A failing rollback or close is logged and never replaces the error that ended the block.
    Methods used outside the block raise `ServiceStateError`; so does entering twice.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        client: TestIOClient | None = None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._client = client
        self.settings = settings if settings is not None else Settings()
        self._clock = clock if clock is not None else utcnow
        self._session: AsyncSession | None = None
        self._repos: Repositories | None = None
        self._state: Literal["new", "open", "closed"] = "new"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._state}>"

    # ---- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        name = type(self).__name__
        if self._state == "open":
            raise ServiceStateError(f"This {name} is already open; enter it only once.")
        if self._state == "closed":
            raise ServiceStateError(
                f"This {name} has finished its unit of work; create a new {name} for another."
            )
        session = self._session_factory(expire_on_commit=False)
        self._session = session
        self._state = "open"
        try:
            self._open_repositories(session)
        except BaseException as exc:
            await self._close(exc)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close(exc)

    async def aclose(self) -> None:
        """Commit and close now (as leaving the block would); closing twice is harmless."""
        await self._close(None)

    def _open_repositories(self, session: AsyncSession) -> None:
        """Build the repositories on the new session; subclasses add their own after super()."""
        self._repos = Repositories.on(session)

    def _close_repositories(self) -> None:
        """Forget the repositories; subclasses that add their own forget them after super()."""
        self._repos = None

    async def _close(self, error: BaseException | None) -> None:
        session, self._session = self._session, None
        self._state = "closed"
        self._close_repositories()
        if session is None:
            return
        name = type(self).__name__

        async def end() -> None:
            try:
                if error is None:
                    await session.commit()
                else:
                    await _quietly(session.rollback(), f"{name}: rolling back failed")
            finally:
                await _quietly(session.close(), f"{name}: closing the session failed")

        await run_to_completion(end)

    # ---- for subclasses -------------------------------------------------------------------

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside `async with`)."""
        if self._session is None:
            raise self._not_open()
        return self._session

    @property
    def repos(self) -> Repositories:
        """The repositories on the open session (only inside `async with`)."""
        if self._repos is None:
            raise self._not_open()
        return self._repos

    async def cached_product(self, product_id: int) -> ProductRow:
        """The cached product, or a `NotFoundInCacheError` that names the next step."""
        product = await self.repos.products.get(product_id)
        if product is None:
            raise NotFoundInCacheError(
                f"No product {product_id} in the cache; call list_products to see the products."
            )
        return product

    @property
    def client(self) -> TestIOClient:
        """The TestIO API client; a `ConfigError` when none was given (no token configured)."""
        if self._client is None:
            raise ConfigError(
                f"{type(self).__name__} needs the TestIO API, but no API token is configured; "
                "export TESTIO_API_TOKEN."
            )
        return self._client

    @property
    def has_client(self) -> bool:
        """Whether an API client was given."""
        return self._client is not None

    def sibling(self, kind: type[ServiceT]) -> ServiceT:
        """A new service of `kind` for a separate unit of work, sharing this one's factory,
        client, settings and clock (use it with its own `async with`)."""
        return kind(self._session_factory, self._client, settings=self.settings, clock=self._clock)

    def now(self) -> datetime:
        """The current instant from the service's clock, aware UTC."""
        moment = self._clock()
        if moment.utcoffset() is None:
            raise ValueError(f"The service clock must return aware datetimes, not {moment!r}.")
        return moment.astimezone(UTC)

    async def commit(self) -> None:
        """Commit what this unit of work wrote so far (for work done in batches)."""
        await self.session.commit()

    def _not_open(self) -> ServiceStateError:
        name = type(self).__name__
        if self._state == "closed":
            return ServiceStateError(
                f"This {name} has finished its unit of work; create a new {name} and use it "
                "inside `async with`."
            )
        return ServiceStateError(
            f"{name} has no open session; use it inside `async with {name}(...) as service:`."
        )


async def run_to_completion(step: Callable[[], Awaitable[None]]) -> None:
    """Run a cleanup step to its end even if the calling task is cancelled meanwhile.

    An anyio shield covers cancel scopes (how the MCP server cancels a tool call); on
    asyncio the step also runs as its own task, so a native `Task.cancel()` arriving during
    the cleanup is held back until the step has finished, then re-raised.
    """
    with anyio.CancelScope(shield=True):
        if not _on_asyncio():
            await step()
            return
        task = asyncio.ensure_future(step())
        interrupted = False
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if task.cancelled():
                    raise
                interrupted = True
        task.result()
        if interrupted:
            raise asyncio.CancelledError


def root_error(exc: BaseException) -> BaseException:
    """The first real error inside (nested) task-group exception groups."""
    cancelled = anyio.get_cancelled_exc_class()
    while isinstance(exc, BaseExceptionGroup):
        group = cast("BaseExceptionGroup[BaseException]", exc)
        inner = list(group.exceptions)
        real = [e for e in inner if not isinstance(e, cancelled)]
        exc = (real or inner)[0]
    return exc


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _quietly(action: Awaitable[object], message: str) -> None:
    """Await a cleanup step; log its failure instead of raising it."""
    try:
        await action
    except Exception:
        log.exception("%s", message)
