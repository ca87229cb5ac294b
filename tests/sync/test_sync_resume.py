"""An interrupted sync keeps what it wrote; the next one finishes the job without duplicates."""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import func, select
from sync_world import NOW, SyncWorld, sandbox_app

from testio.cache.models import BugRow, SyncEventRow, TestRow
from testio.domain.sync import SyncProgress


async def _cancel_after(world: SyncWorld, stop: int, **options: object) -> None:
    """Run a sync and cancel it once `stop` progress events have arrived."""
    seen = 0
    with anyio.CancelScope() as scope:

        def on_progress(event: SyncProgress) -> None:
            nonlocal seen
            seen += 1
            if seen == stop:
                scope.cancel()

        await world.sync(progress=on_progress, **options)  # pyright: ignore[reportArgumentType]  # options are sync() keywords
    assert scope.cancelled_caught, "the sync finished before it could be cancelled"


async def _row_counts(world: SyncWorld) -> tuple[int, int, int, int]:
    async with world.factory() as session:
        tests = await session.scalar(select(func.count()).select_from(TestRow))
        distinct_tests = await session.scalar(select(func.count(func.distinct(TestRow.id))))
        bugs = await session.scalar(select(func.count()).select_from(BugRow))
        distinct_bugs = await session.scalar(select(func.count(func.distinct(BugRow.id))))
    return tests or 0, distinct_tests or 0, bugs or 0, distinct_bugs or 0


async def test_a_cancelled_sync_keeps_its_committed_pages_and_is_recorded(
    cache_url: str,
) -> None:
    """Cancelled midway: some tests are cached, the event says `cancelled`."""
    async with SyncWorld(sandbox_app("small"), cache_url, page_size=5).open() as world:
        await _cancel_after(world, 8)
        tests, _, _, _ = await _row_counts(world)
        async with world.factory() as session:
            [event] = list(await session.scalars(select(SyncEventRow)))
        truth = len(world.truth_tests())
    assert 0 < tests < truth
    assert (event.status, event.error) == ("cancelled", "The sync was cancelled.")


async def test_the_sync_after_a_cancelled_one_completes_without_duplicates(
    cache_url: str,
) -> None:
    """The next run reads the unfinished list in full and ends with the ground truth."""
    async with SyncWorld(sandbox_app("small"), cache_url, page_size=5).open() as world:
        await _cancel_after(world, 8)
        await world.sync()
        counts = await _row_counts(world)
        truth = world.truth_tests()
        bugs = sum(len(t["bugs"]) for t in truth.values())
        cached = await world.tests()
    assert counts == (len(truth), len(truth), bugs, bugs)
    assert all(t.bugs_complete for t in cached.values())


async def test_new_tests_of_an_interrupted_incremental_read_are_all_found_next_time(
    cache_url: str,
) -> None:
    """Tests cached by the unfinished run do not stop the next read early."""
    app = sandbox_app("small")
    async with SyncWorld(app, cache_url, page_size=2).open() as world:
        await world.sync(full=True)
        product_id = world.truth()[2]["id"]
        app.sandbox.set_now(NOW.replace(hour=23))
        new = [
            app.sandbox.add_test(product_id, bugs=1, end_at=NOW.replace(hour=10 + i))
            for i in range(8)
        ]
        await _cancel_after(world, 3, product_ids=[product_id])
        partly = set(await world.tests())
        await world.sync(product_ids=[product_id])
        cached = set(await world.tests())
    assert 0 < len(partly & set(new)) < len(new)
    assert set(new) <= cached


async def test_a_sync_event_left_running_by_a_dead_process_is_closed_by_the_next_sync(
    small: SyncWorld,
) -> None:
    """A `running` event without a lock holder is marked failed, with a reason."""
    async with small.factory() as session:
        session.add(SyncEventRow(trigger="cli", status="running", started_at=NOW))
        await session.commit()
    await small.sync()
    async with small.factory() as session:
        first = await session.get(SyncEventRow, 1)
    assert first is not None
    assert first.status == "failed"
    assert first.error is not None
    assert first.error.startswith("Interrupted")


@pytest.mark.parametrize("stop", [2, 5, 12])
async def test_cancellation_at_any_point_leaves_no_connection_checked_out(
    cache_url: str, stop: int
) -> None:
    """Whatever phase the sync is in when cancelled, its session is closed."""
    from testio.cache.engine import connections_checked_out

    async with SyncWorld(sandbox_app("small"), cache_url, page_size=5).open() as world:
        await _cancel_after(world, stop)
        assert await connections_checked_out(world.engine) == 0
