"""Many units of work, ending every way they can, leave no connection behind."""

from __future__ import annotations

import asyncio
import gc

import anyio
from service_fakes import T0, CatalogueService
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from testio.cache.engine import connections_checked_out

UNITS = 1000
CONCURRENCY = 10


async def _one(factory: async_sessionmaker[AsyncSession], n: int) -> str:
    """Run unit of work `n`; which way it ends depends on `n`."""
    svc = CatalogueService(factory, clock=lambda: T0)
    kind = n % 5
    if kind == 0:
        async with svc:
            await svc.add_product(n)
        return "committed"
    if kind == 1:
        try:
            async with svc:
                await svc.add_then_fail(n)
        except LookupError:
            return "failed"
        raise AssertionError("the error was swallowed")
    if kind == 2:
        started = anyio.Event()
        with anyio.move_on_after(5) as scope:
            async with anyio.create_task_group() as tg:

                async def work() -> None:
                    async with svc:
                        await svc.add_then_wait(n, started)

                tg.start_soon(work)
                await started.wait()
                tg.cancel_scope.cancel()
        assert not scope.cancelled_caught, "the unit of work never started"
        return "cancelled"
    if kind == 3:
        started = anyio.Event()

        async def native() -> None:
            async with svc:
                await svc.add_then_wait(n, started)

        task = asyncio.ensure_future(native())
        await started.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return "cancelled"
        raise AssertionError("the task was not cancelled")
    async with svc:
        await svc.count()
    return "read"


async def test_a_thousand_units_of_work_leave_no_connection_checked_out(
    factory: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """Commits, errors and cancellations (anyio and asyncio) all return their connections.

    Warnings are errors in this suite, so an SQLAlchemy "non-checked-in connection" or a
    ResourceWarning from a garbage-collected session fails the test too.
    """
    outcomes: dict[str, int] = {}
    limiter = anyio.Semaphore(CONCURRENCY)

    async def run(n: int) -> None:
        async with limiter:
            outcome = await _one(factory, n)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for n in range(UNITS):
                tg.start_soon(run, n)
    gc.collect()

    assert await connections_checked_out(engine) == 0
    assert outcomes == {"committed": 200, "failed": 200, "cancelled": 400, "read": 200}
    async with CatalogueService(factory) as svc:
        assert await svc.count() == 200
