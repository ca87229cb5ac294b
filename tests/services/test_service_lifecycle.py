"""BaseService: one unit of work per instance, committed, rolled back or cancelled cleanly."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import anyio
import pytest
from service_fakes import T0, CatalogueService
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from testio.cache.engine import connections_checked_out
from testio.errors import ConfigError, ServiceStateError


def service(factory: async_sessionmaker[AsyncSession]) -> CatalogueService:
    return CatalogueService(factory, clock=lambda: T0)


async def _count(factory: async_sessionmaker[AsyncSession]) -> int:
    async with service(factory) as svc:
        return await svc.count()


async def test_leaving_the_block_commits_the_work(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """What a unit of work wrote is visible to the next one."""
    async with service(factory) as svc:
        await svc.add_product(1)
    assert await _count(factory) == 1


async def test_an_error_rolls_the_work_back_and_propagates(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """The block's own error reaches the caller and nothing it wrote is kept."""
    with pytest.raises(LookupError, match="failed after writing 1"):
        async with service(factory) as svc:
            await svc.add_then_fail(1)
    assert await _count(factory) == 0


async def test_a_cancelled_unit_of_work_is_rolled_back_and_closed(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """Cancelling mid-call (as a client giving up on a tool call does) returns the connection."""
    started = anyio.Event()
    async with anyio.create_task_group() as tg:

        async def work() -> None:
            async with service(factory) as svc:
                await svc.add_then_wait(1, started)

        tg.start_soon(work)
        await started.wait()
        assert await connections_checked_out(engine) == 1
        tg.cancel_scope.cancel()
    assert await connections_checked_out(engine) == 0
    assert await _count(factory) == 0


async def test_repeated_native_cancellation_still_closes_the_session(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """A second asyncio `Task.cancel()` during the cleanup does not abandon the session."""
    started = anyio.Event()

    async def work() -> None:
        async with service(factory) as svc:
            await svc.add_then_wait(1, started)

    task = asyncio.ensure_future(work())
    await started.wait()
    for _ in range(5):
        task.cancel()
        await asyncio.sleep(0)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await connections_checked_out(engine) == 0


async def test_using_a_service_outside_its_block_raises_service_state_error(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """A method called before `async with` says how to use the service."""
    with pytest.raises(ServiceStateError, match="async with"):
        await service(factory).count()


async def test_using_a_service_after_its_block_raises_service_state_error(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """The repositories are gone once the unit of work has ended."""
    async with service(factory) as svc:
        pass
    with pytest.raises(ServiceStateError, match="finished its unit of work"):
        _ = svc.repos


async def test_entering_a_service_twice_raises_service_state_error(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """An open service refuses a second `async with`."""
    async with service(factory) as svc:
        with pytest.raises(ServiceStateError, match="already open"):
            await svc.__aenter__()


async def test_a_finished_service_cannot_be_reopened(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """One instance serves one unit of work."""
    svc = service(factory)
    async with svc:
        pass
    with pytest.raises(ServiceStateError, match="create a new CatalogueService"):
        await svc.__aenter__()


async def test_closing_twice_is_harmless(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """aclose() after the block (or twice) does nothing more."""
    async with service(factory) as svc:
        await svc.add_product(1)
        await svc.aclose()
        await svc.aclose()
    assert await connections_checked_out(engine) == 0
    assert await _count(factory) == 1


class FailingRollbackSession(AsyncSession):
    """A session whose rollback fails, standing in for a broken connection."""

    async def rollback(self) -> None:
        raise OSError("disk went away")


async def test_a_failing_rollback_is_logged_and_never_masks_the_original_error(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """The caller sees its own error; the cleanup failure goes to the log."""
    factory = cast(
        "async_sessionmaker[AsyncSession]",
        async_sessionmaker(engine, class_=FailingRollbackSession),
    )
    with caplog.at_level(logging.ERROR, logger="testio.services"), pytest.raises(LookupError):
        async with service(factory) as svc:
            await svc.add_then_fail(1)
    assert any("rolling back failed" in r.getMessage() for r in caplog.records)
    assert await connections_checked_out(engine) == 0


async def test_a_service_without_a_client_says_how_to_configure_one(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """Asking for the API without a token is a ConfigError naming TESTIO_API_TOKEN."""
    async with service(factory) as svc:
        assert not svc.has_client
        with pytest.raises(ConfigError, match="TESTIO_API_TOKEN"):
            _ = svc.client


async def test_a_sibling_shares_the_factory_and_clock(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    """sibling() builds another service for a separate unit of work."""
    async with service(factory) as svc:
        other = svc.sibling(CatalogueService)
        async with other:
            await other.add_product(5)
            assert other.now() == T0
    assert await _count(factory) == 1


async def test_a_naive_clock_is_refused(factory: async_sessionmaker[AsyncSession]) -> None:
    """The service clock must give aware datetimes."""
    from datetime import datetime

    svc = CatalogueService(factory, clock=lambda: datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        svc.now()
