"""Sync events and problems."""

from __future__ import annotations

from datetime import timedelta

from cache_builders import T0, make_test
from sqlalchemy.ext.asyncio import AsyncSession

from testio.repositories import NewProblem, Repositories, SyncEventCounts, problem_key


def _range(before: int, after: int, product_id: int = 1) -> NewProblem:
    return NewProblem(
        kind="test_page",
        key=problem_key("test_page", product_id, before_test_id=before, after_test_id=after),
        product_id=product_id,
        message=f"gap between {before} and {after}",
        offset_start=5,
        offset_end=6,
        before_test_id=before,
        after_test_id=after,
    )


async def test_a_finished_sync_event_keeps_its_counts(session: AsyncSession) -> None:
    """start() records a running event; finish() sets status, end, duration and counts."""
    events = Repositories.on(session).sync_events
    event_id = await events.start(started_at=T0, trigger="cli", full=True, product_ids=[1, 2])
    await events.finish(
        event_id,
        status="partial",
        ended_at=T0 + timedelta(seconds=3),
        duration_s=3.0,
        counts=SyncEventCounts(products=2, tests_new=5, bugs_upserted=40, requests=12),
        error=None,
    )
    [row] = await events.recent()
    await session.refresh(row)
    assert (row.status, row.trigger, row.product_ids) == ("partial", "cli", [1, 2])
    assert (row.tests_new, row.bugs_upserted, row.requests) == (5, 40, 12)
    assert row.ended_at == T0 + timedelta(seconds=3)


async def test_running_events_left_by_a_dead_process_are_marked_failed(
    session: AsyncSession,
) -> None:
    """abandon_running() closes events still `running` with an explanation."""
    events = Repositories.on(session).sync_events
    await events.start(started_at=T0, trigger="cli", full=False, product_ids=None)
    abandoned = await events.abandon_running(at=T0 + timedelta(minutes=1))
    [row] = await events.recent()
    await session.refresh(row)
    assert abandoned == 1
    assert row.status == "failed"
    assert row.error is not None
    assert "Interrupted" in row.error


async def test_last_success_counts_partial_runs_unless_asked_not_to(
    session: AsyncSession,
) -> None:
    """A partial run finished; a failed one did not."""
    events = Repositories.on(session).sync_events
    for minute, status in enumerate(["success", "partial", "failed"]):
        event_id = await events.start(
            started_at=T0 + timedelta(minutes=minute), trigger="t", full=False, product_ids=None
        )
        await events.finish(
            event_id,
            status=status,  # pyright: ignore[reportArgumentType]  # literals from the list above
            ended_at=T0 + timedelta(minutes=minute),
            duration_s=1.0,
            counts=SyncEventCounts(),
        )
    last = await events.last_success()
    strict = await events.last_success(include_partial=False)
    assert last is not None
    assert strict is not None
    assert (last.status, strict.status) == ("partial", "success")


async def test_the_same_problem_seen_again_is_one_row_with_a_later_last_seen(
    session: AsyncSession,
) -> None:
    """Problems are deduplicated by kind and key."""
    problems = Repositories.on(session).problems
    await problems.record([_range(10, 11)], seen_at=T0)
    await problems.record([_range(10, 11)], seen_at=T0 + timedelta(hours=1))
    [row] = await problems.list_problems()
    assert (row.first_seen, row.last_seen, row.seen_count) == (T0, T0 + timedelta(hours=1), 2)


async def test_problems_not_seen_in_a_full_read_are_resolved(session: AsyncSession) -> None:
    """resolve_missing() closes the product's problems of a kind that did not recur."""
    problems = Repositories.on(session).problems
    gone, still = _range(10, 11), _range(20, 21)
    await problems.record([gone, still, _range(30, 31, product_id=2)], seen_at=T0)
    resolved = await problems.resolve_missing(
        kind="test_page", product_id=1, still_open=[still.key], at=T0
    )
    open_keys = {p.key for p in await problems.list_problems()}
    assert resolved == 1
    assert gone.key not in open_keys
    assert still.key in open_keys
    assert await problems.count_open() == 2


async def test_a_resolved_problem_that_recurs_is_reopened(session: AsyncSession) -> None:
    """Seeing a resolved problem again makes it open again."""
    problems = Repositories.on(session).problems
    await problems.record([_range(10, 11)], seen_at=T0)
    await problems.resolve_missing(kind="test_page", product_id=1, still_open=[], at=T0)
    await problems.record([_range(10, 11)], seen_at=T0 + timedelta(hours=1))
    assert await problems.count_open(product_id=1) == 1


async def test_bug_problems_are_resolved_when_their_tests_have_complete_bugs(
    session: AsyncSession,
) -> None:
    """resolve_bug_problems() closes problems whose tests all have complete bugs now."""
    repos = Repositories.on(session)
    await repos.tests.upsert([make_test(10), make_test(11)], synced_at=T0)
    failing = [
        NewProblem(
            kind="bug_batch",
            key=problem_key("bug_batch", 1, test_ids=[tid]),
            product_id=1,
            message=f"bugs of {tid}",
            test_ids=(tid,),
        )
        for tid in (10, 11)
    ]
    await repos.problems.record(failing, seen_at=T0)
    await repos.tests.mark_bugs_synced({10: 2}, at=T0)
    resolved = await repos.problems.resolve_bug_problems(kind="bug_batch", at=T0)
    assert resolved == 1
    assert [p.test_ids for p in await repos.problems.list_problems()] == [[11]]
