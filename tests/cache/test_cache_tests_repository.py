"""TestRepository: bulk writes, the bug bookkeeping, and the list queries."""

from __future__ import annotations

from datetime import timedelta

from cache_builders import T0, make_test
from sqlalchemy.ext.asyncio import AsyncSession

from testio.repositories import TestRepository


async def test_upsert_counts_new_and_changed_tests(session: AsyncSession) -> None:
    """Re-writing an unchanged test is neither new nor updated; a changed one is updated."""
    repo = TestRepository(session)
    first = await repo.upsert([make_test(1), make_test(2)], synced_at=T0, sync_id=1)
    again = await repo.upsert(
        [make_test(1), make_test(2, status="cancelled"), make_test(3)], synced_at=T0, sync_id=2
    )
    assert (first.new, first.updated) == (2, 0)
    assert (again.new, again.updated) == (1, 1)


async def test_upsert_keeps_the_sync_that_first_saw_a_test(session: AsyncSession) -> None:
    """`first_sync_id` is set on insert and kept when the test is read again."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1)], synced_at=T0, sync_id=4)
    await repo.upsert([make_test(1), make_test(2)], synced_at=T0, sync_id=5)
    assert await repo.known_ids([1, 2, 3], seen_by_sync_id=4) == {1}
    assert await repo.known_ids([1, 2, 3]) == {1, 2}


async def test_a_status_change_stamps_status_changed_at(session: AsyncSession) -> None:
    """Only a different status moves `status_changed_at`."""
    repo = TestRepository(session)
    later, latest = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    await repo.upsert([make_test(1, status="locked")], synced_at=T0)
    await repo.upsert([make_test(1, status="locked", title="renamed")], synced_at=later)
    unchanged = await repo.get(1)
    assert unchanged is not None
    assert (unchanged.status_changed_at, unchanged.title) == (T0, "renamed")
    await repo.upsert([make_test(1, status="archived")], synced_at=latest)
    await session.refresh(unchanged)
    assert unchanged.status_changed_at == latest


async def test_upsert_keeps_the_bug_bookkeeping(session: AsyncSession) -> None:
    """Re-reading a test from a page leaves its bugs' sync state alone."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1)], synced_at=T0)
    await repo.mark_bugs_synced({1: 12}, at=T0)
    await repo.upsert([make_test(1)], synced_at=T0 + timedelta(hours=1))
    row = await repo.get(1)
    assert row is not None
    assert (row.bugs_synced_at, row.bug_count, row.bugs_complete) == (T0, 12, True)


async def test_environment_credentials_are_not_columns(session: AsyncSession) -> None:
    """A test row has the environment's id and title and nothing that could hold a secret."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1)], synced_at=T0)
    row = await repo.get(1)
    assert row is not None
    columns = set(row.__table__.columns.keys())
    assert {"environment_id", "environment_title"} <= columns
    assert not {c for c in columns if "password" in c or "username" in c or "access" in c}


async def test_tests_are_listed_newest_first_with_undated_tests_on_top(
    session: AsyncSession,
) -> None:
    """Order is end_at descending with nulls first, ties broken by id descending."""
    repo = TestRepository(session)
    await repo.upsert(
        [
            make_test(1, end_at=T0),
            make_test(2, end_at=T0 + timedelta(days=1)),
            make_test(3, end_at=None, status="initialized"),
            make_test(4, end_at=T0),
        ],
        synced_at=T0,
    )
    page = await repo.list_for_product(1)
    assert [t.id for t in page.tests] == [3, 2, 4, 1]


async def test_listing_filters_by_status_type_and_end_range_and_pages(
    session: AsyncSession,
) -> None:
    """Filters combine; `total` counts all matches while LIMIT/OFFSET pick the page."""
    repo = TestRepository(session)
    tests = [make_test(i, end_at=T0 + timedelta(days=i)) for i in range(1, 11)]
    tests += [
        make_test(20, status="locked", end_at=T0 + timedelta(days=5)),
        make_test(21, testing_type=None, end_at=T0 + timedelta(days=5)),
        make_test(22, product_id=2, end_at=T0 + timedelta(days=5)),
    ]
    await repo.upsert(tests, synced_at=T0)
    page = await repo.list_for_product(
        1,
        statuses=["archived"],
        testing_types=["coverage"],
        end_from=T0 + timedelta(days=3),
        end_to=T0 + timedelta(days=8),
        limit=2,
        offset=1,
    )
    assert page.total == 6
    assert [t.id for t in page.tests] == [7, 6]


async def test_test_case_runs_are_found_by_their_normalised_type(session: AsyncSession) -> None:
    """A test the API sent without a testing type matches the `test_case` filter."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1, testing_type=None), make_test(2)], synced_at=T0)
    page = await repo.list_for_product(1, testing_types=["test_case"])
    assert [t.id for t in page.tests] == [1]


async def test_bugs_are_due_when_never_fetched(session: AsyncSession) -> None:
    """A test without a complete bug fetch is due."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1), make_test(2)], synced_at=T0)
    await repo.mark_bugs_synced({2: 0}, at=T0)
    due = await repo.due_for_bugs(now=T0, ttl_s=3600)
    assert [d.test_id for d in due] == [1]


async def test_bugs_of_mutable_tests_are_due_after_the_ttl_only(session: AsyncSession) -> None:
    """A locked test's bugs are due once they are older than the TTL; an archived test's never."""
    repo = TestRepository(session)
    await repo.upsert(
        [make_test(1, status="locked"), make_test(2, status="archived")], synced_at=T0
    )
    await repo.mark_bugs_synced({1: 3, 2: 3}, at=T0)
    fresh = await repo.due_for_bugs(now=T0 + timedelta(minutes=59), ttl_s=3600)
    stale = await repo.due_for_bugs(now=T0 + timedelta(days=30), ttl_s=3600)
    assert fresh == []
    assert [d.test_id for d in stale] == [1]


async def test_bugs_are_due_once_more_after_a_test_becomes_final(session: AsyncSession) -> None:
    """Bugs fetched while a test was locked are fetched again after it is archived."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1, status="locked")], synced_at=T0)
    await repo.mark_bugs_synced({1: 3}, at=T0)
    await repo.upsert([make_test(1, status="archived")], synced_at=T0 + timedelta(minutes=5))
    due = await repo.due_for_bugs(now=T0 + timedelta(minutes=5), ttl_s=3600)
    assert [(d.test_id, d.bug_count) for d in due] == [(1, 3)]


async def test_a_failed_bug_fetch_makes_the_test_due_again(session: AsyncSession) -> None:
    """`mark_bugs_failed` keeps the old bugs but marks them incomplete."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1)], synced_at=T0)
    await repo.mark_bugs_synced({1: 3}, at=T0)
    await repo.mark_bugs_failed([1])
    due = await repo.due_for_bugs(now=T0, ttl_s=3600)
    assert [d.test_id for d in due] == [1]


async def test_forcing_makes_every_selected_test_due(session: AsyncSession) -> None:
    """`force=True` ignores the rules but still honours the selection."""
    repo = TestRepository(session)
    await repo.upsert([make_test(1), make_test(2), make_test(3, product_id=2)], synced_at=T0)
    await repo.mark_bugs_synced({1: 0, 2: 0, 3: 0}, at=T0)
    due = await repo.due_for_bugs(now=T0, ttl_s=3600, product_ids=[1], test_ids=[2, 3], force=True)
    assert [d.test_id for d in due] == [2]


async def test_bug_freshness_names_known_tests_and_those_due(session: AsyncSession) -> None:
    """Unknown ids are left out; of the known, only those the TTL rule makes due are due."""
    repo = TestRepository(session)
    await repo.upsert(
        [make_test(1, status="archived"), make_test(2, status="locked"), make_test(3)],
        synced_at=T0,
    )
    await repo.mark_bugs_synced({1: 4, 2: 2}, at=T0)
    later = T0 + timedelta(days=30)
    freshness = await repo.bug_freshness([1, 2, 3, 99], now=later, ttl_s=3600)
    assert freshness.known == {1, 2, 3}
    assert sorted((d.test_id, d.bug_count) for d in freshness.due) == [(2, 2), (3, None)]
    forced = await repo.bug_freshness([1, 99], now=later, ttl_s=3600, force=True)
    assert [(d.test_id, d.bug_count) for d in forced.due] == [(1, 4)]


async def test_the_oldest_stale_mutable_test_bounds_the_pages_to_reread(
    session: AsyncSession,
) -> None:
    """Only mutable tests not read since the cut-off and ended after the horizon count."""
    repo = TestRepository(session)
    day = timedelta(days=1)
    await repo.upsert(
        [
            make_test(1, status="locked", end_at=T0 - 10 * day),
            make_test(2, status="locked", end_at=T0 - 200 * day),
            make_test(3, status="archived", end_at=T0 - 20 * day),
        ],
        synced_at=T0,
    )
    await repo.upsert([make_test(4, status="locked", end_at=T0 - 30 * day)], synced_at=T0 + day)
    oldest = await repo.oldest_stale_mutable_end(
        1, synced_before=T0 + timedelta(hours=1), ended_after=T0 - 90 * day
    )
    assert oldest == T0 - 10 * day
