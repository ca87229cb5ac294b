"""BugRepository: batch writes, removal of bugs gone upstream, and the counts."""

from __future__ import annotations

from datetime import timedelta

from cache_builders import T0, make_bug
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, table_of
from testio.repositories import BugRepository, BugStatusCount
from testio.repositories.upsert import upsert_rows

PRODUCT_OF = {10: 1, 11: 1, 20: 2}


async def test_upsert_writes_bugs_with_their_product(session: AsyncSession) -> None:
    """Each bug is stored with the product of its test."""
    repo = BugRepository(session)
    written = await repo.upsert(
        [make_bug(1, test_id=10), make_bug(2, test_id=20)], product_of=PRODUCT_OF, synced_at=T0
    )
    stored = await repo.get(2)
    assert written == 2
    assert stored is not None
    assert stored.product_id == 2


async def test_upsert_updates_a_bug_in_place(session: AsyncSession) -> None:
    """Writing a bug again replaces its fields; there is still one row."""
    repo = BugRepository(session)
    await repo.upsert([make_bug(1, test_id=10)], product_of=PRODUCT_OF, synced_at=T0)
    await repo.upsert(
        [make_bug(1, test_id=10, status="rejected")], product_of=PRODUCT_OF, synced_at=T0
    )
    stored = await repo.get(1)
    assert stored is not None
    assert (stored.status, await repo.count()) == ("rejected", 1)


async def test_bugs_of_unknown_tests_are_skipped(session: AsyncSession) -> None:
    """A bug whose test has no known product is not written."""
    repo = BugRepository(session)
    written = await repo.upsert([make_bug(1, test_id=99)], product_of=PRODUCT_OF, synced_at=T0)
    assert (written, await repo.count()) == (0, 0)


async def test_thousands_of_bugs_are_written_in_one_call(session: AsyncSession) -> None:
    """A large batch goes in whole (chunked executemany)."""
    repo = BugRepository(session)
    bugs = [make_bug(i, test_id=10 + i % 2) for i in range(1, 5001)]
    await repo.upsert(bugs, product_of=PRODUCT_OF, synced_at=T0)
    assert await repo.count(product_id=1) == 5000


async def test_delete_missing_removes_only_bugs_of_the_given_tests(session: AsyncSession) -> None:
    """Bugs of the refreshed tests that were not returned go; other tests' bugs stay."""
    repo = BugRepository(session)
    await repo.upsert(
        [make_bug(1, test_id=10), make_bug(2, test_id=10), make_bug(3, test_id=11)],
        product_of=PRODUCT_OF,
        synced_at=T0,
    )
    deleted = await repo.delete_missing([10], keep=[1])
    assert deleted == {10: 1}
    assert [b.id for b in await repo.list_for_test(10)] == [1]
    assert await repo.count(test_id=11) == 1


async def test_bugs_of_a_test_are_listed_most_recent_first(session: AsyncSession) -> None:
    """Newest report first, bugs without a report time last; `limit` caps the list."""
    repo = BugRepository(session)
    await repo.upsert(
        [
            make_bug(1, test_id=10, reported_at=T0),
            make_bug(2, test_id=10, reported_at=T0 + timedelta(hours=1)),
            make_bug(3, test_id=10, reported_at=None),
        ],
        product_of=PRODUCT_OF,
        synced_at=T0,
    )
    assert [b.id for b in await repo.list_for_test(10)] == [2, 1, 3]
    assert [b.id for b in await repo.list_for_test(10, limit=1)] == [2]


async def test_tally_groups_by_status_auto_accepted_and_known(session: AsyncSession) -> None:
    """Counts come grouped by the three fields the bug buckets need, whatever the severity."""
    repo = BugRepository(session)
    await repo.upsert(
        [
            make_bug(1, test_id=10, severity="low"),
            make_bug(2, test_id=10, severity="high"),
            make_bug(3, test_id=10, auto_accepted=True),
            make_bug(4, test_id=10, status="rejected", auto_accepted=None, known=True),
            make_bug(5, test_id=11, status="forwarded"),
        ],
        product_of=PRODUCT_OF,
        synced_at=T0,
    )
    tally = await repo.tally([10])
    assert tally.statuses == (
        BugStatusCount(status="accepted", auto_accepted=False, known=False, count=2),
        BugStatusCount(status="accepted", auto_accepted=True, known=False, count=1),
        BugStatusCount(status="rejected", auto_accepted=None, known=True, count=1),
    )


async def test_tally_counts_severities_across_the_given_tests(session: AsyncSession) -> None:
    """Bugs of several tests are counted by severity together; other tests are left out."""
    repo = BugRepository(session)
    await repo.upsert(
        [
            make_bug(1, test_id=10, severity="low"),
            make_bug(2, test_id=11, severity="low", status="rejected"),
            make_bug(3, test_id=11, severity="visual"),
            make_bug(4, test_id=20, severity="visual"),
        ],
        product_of=PRODUCT_OF,
        synced_at=T0,
    )
    tally = await repo.tally([10, 11])
    assert tally.severities == {"low": 2, "visual": 1}
    assert sum(c.count for c in tally.statuses) == 3


async def test_the_generic_upsert_path_matches_on_conflict(session: AsyncSession) -> None:
    """The portable path (for databases without ON CONFLICT) inserts and updates the same."""
    repo = BugRepository(session)
    await repo.upsert([make_bug(1, test_id=10)], product_of=PRODUCT_OF, synced_at=T0)
    base = {
        "test_id": 10,
        "product_id": 1,
        "title": "t",
        "severity": "low",
        "status": "rejected",
        "auto_accepted": None,
        "known": False,
        "fixed": None,
        "exported_at": None,
        "reported_at": T0,
        "author": None,
        "reject_reason": None,
        "feature_id": None,
        "location": None,
        "synced_at": T0,
    }
    await upsert_rows(
        session, table_of(BugRow), [{"id": 1, **base}, {"id": 2, **base}], generic=True
    )
    first, second = await repo.get(1), await repo.get(2)
    assert first is not None
    assert second is not None
    assert (first.status, second.status, await repo.count()) == ("rejected", "rejected", 2)
