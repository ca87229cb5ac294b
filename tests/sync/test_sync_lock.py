"""One sync at a time per database, across engines and processes; never "database is locked"."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from sqlalchemy import select
from sync_world import SyncWorld, sandbox_app

from testio.cache.engine import open_engine, sqlite_path
from testio.cache.models import SyncEventRow
from testio.cache.synclock import SyncLock, lock_path, sync_running
from testio.domain.sync import SyncProgress, SyncResult
from testio.errors import SyncInProgressError

HOLDER = textwrap.dedent(
    """
    import asyncio, sys
    from testio.cache.engine import open_engine, sqlite_path
    from testio.cache.synclock import SyncLock

    async def main():
        engine = await open_engine(sys.argv[1])
        lock = SyncLock(engine, wait=False)
        await lock.acquire()
        print("held", flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_a_second_sync_waits_for_the_first_and_both_succeed(cache_url: str) -> None:
    """Two engines on one file: the second sync waits for the lock, then runs; no lock errors."""
    app = sandbox_app("small")
    first = SyncWorld(app, cache_url)
    second = SyncWorld(app, cache_url)
    results: list[SyncResult] = []
    waiting: list[SyncProgress] = []
    async with first.open(), second.open():

        async def run(world: SyncWorld) -> None:
            results.append(await world.sync(progress=waiting.append))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(run, first)
                await anyio.lowlevel.checkpoint()
                tg.start_soon(run, second)
        async with first.factory() as session:
            events = list(await session.scalars(select(SyncEventRow)))
    # Both end partial only because the small sandbox's first page holds a poisoned test.
    assert [r.status for r in results] == ["partial", "partial"]
    assert [e.status for e in events] == ["partial", "partial"]
    assert events[0].ended_at is not None
    assert events[0].ended_at <= events[1].started_at
    assert [e.phase for e in waiting].count("waiting") == 1


async def test_a_sync_that_will_not_wait_reports_the_running_one(cache_url: str) -> None:
    """`wait=False` raises SyncInProgressError at once, naming the holder."""
    world = SyncWorld(sandbox_app("small"), cache_url)
    async with world.open(), SyncLock(world.engine):
        with pytest.raises(SyncInProgressError, match=f"pid {os.getpid()}"):
            await world.sync(wait=False)


async def test_waiting_is_bounded(cache_url: str) -> None:
    """A sync that waits too long gives up with SyncInProgressError."""
    world = SyncWorld(sandbox_app("small"), cache_url)
    async with world.open(), SyncLock(world.engine):
        with anyio.fail_after(5), pytest.raises(SyncInProgressError, match="over 0 s"):
            await world.sync(lock_timeout=0.2)


async def test_the_lock_of_a_killed_process_is_released(cache_url: str) -> None:
    """SIGKILL ends the holder; its file lock (or PostgreSQL session lock) is dropped at once."""
    engine = await open_engine(cache_url)
    holder = await anyio.open_process([sys.executable, "-c", HOLDER, cache_url])
    try:
        assert holder.stdout is not None
        with anyio.fail_after(30):
            line = await holder.stdout.receive()
        assert line.strip() == b"held"
        with pytest.raises(SyncInProgressError):
            await SyncLock(engine, wait=False).acquire()
        assert await sync_running(engine)
        holder.send_signal(signal.SIGKILL)
        with anyio.fail_after(10):
            await holder.wait()
        lock = SyncLock(engine, timeout=5)
        with anyio.fail_after(10):
            await lock.acquire()
        await lock.release()
    finally:
        if holder.returncode is None:
            holder.kill()
        with anyio.CancelScope(shield=True):
            await holder.aclose()
        await engine.dispose()
    database = sqlite_path(cache_url)
    assert database is None or lock_path(database).exists()


async def test_a_bug_refresh_during_a_sync_does_not_fail_on_the_database_lock(
    cache_url: str,
) -> None:
    """Writers from two engines at once wait for each other instead of failing."""
    app = sandbox_app("small")
    syncer = SyncWorld(app, cache_url)
    refresher = SyncWorld(app, cache_url)
    async with syncer.open(), refresher.open():
        await syncer.sync(full=True)
        tests = sorted(syncer.truth_tests())
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(lambda: syncer.sync(full=True, force_bugs=True))
                for _ in range(5):
                    tg.start_soon(lambda: refresher.refresh_bugs(tests, force=True))
        counts = len(await syncer.bugs())
    assert counts == sum(len(t["bugs"]) for t in syncer.truth_tests().values())


async def test_a_lease_lock_excludes_a_second_holder_until_released(tmp_path: Path) -> None:
    """The lease used for databases without a lock file behaves like the file lock."""
    engine = await open_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        first = SyncLock(engine, mode="lease")
        await first.acquire()
        second = SyncLock(engine, mode="lease", wait=False)
        with pytest.raises(SyncInProgressError):
            await second.acquire()
        running = await second.is_locked()
        await first.release()
        await second.acquire()
        await second.release()
    finally:
        await engine.dispose()
    assert running


async def test_an_expired_lease_can_be_taken_over(tmp_path: Path) -> None:
    """A holder that stopped renewing (a dead process) loses its lease after `lease_s`."""
    engine = await open_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        dead = SyncLock(engine, mode="lease", lease_s=0.05)
        await dead.acquire()
        await anyio.sleep(0.1)
        heir = SyncLock(engine, mode="lease", wait=False)
        await heir.acquire()
        await heir.release()
    finally:
        await engine.dispose()
