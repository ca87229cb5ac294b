"""Which bugs a sync fetches again, and what happens to bugs that change upstream."""

from __future__ import annotations

import math

from sync_world import SyncWorld

from testio.domain.sync import SyncProgress
from testio.lifecycle import is_immutable
from testio.repositories import BugFetchDue
from testio.sandbox import Faults
from testio.services.batches import plan_batches


def _mutable(world: SyncWorld) -> dict[int, int]:
    """Mutable tests of the sandbox and how many bugs each has."""
    return {
        tid: len(t["bugs"])
        for tid, t in world.truth_tests().items()
        if not is_immutable(t["status"])
    }


async def test_bugs_of_final_tests_are_not_fetched_again(small: SyncWorld) -> None:
    """Past the TTL only mutable tests' bugs are fetched; archived and cancelled ones are kept."""
    await small.sync(full=True)
    before = await small.tests()
    small.clock.advance(hours=2)
    small.sandbox.reset_counters()
    await small.sync()
    after = await small.tests()
    mutable = _mutable(small)
    refreshed = {t for t, row in after.items() if row.bugs_synced_at != before[t].bugs_synced_at}
    assert refreshed == set(mutable)
    assert small.requests()["GET /bugs"] == math.ceil(len(mutable) / 40)


async def test_bugs_of_mutable_tests_are_refreshed_only_after_the_ttl(small: SyncWorld) -> None:
    """Within the TTL no bug batch is sent; past it, the mutable tests' bugs are."""
    await small.sync(full=True)
    small.clock.advance(minutes=59)
    small.sandbox.reset_counters()
    await small.sync()
    within = small.requests().get("GET /bugs", 0)
    small.clock.advance(minutes=2)
    small.sandbox.reset_counters()
    await small.sync()
    past = small.requests().get("GET /bugs", 0)
    assert (within, past) == (0, 1)


async def test_a_bug_deleted_upstream_is_removed_when_its_test_is_refreshed(
    small: SyncWorld,
) -> None:
    """A mutable test's bug that the API no longer returns is deleted from the cache."""
    await small.sync(full=True)
    test_id, count = next((t, n) for t, n in _mutable(small).items() if n > 1)
    gone = next(b["id"] for b in small.truth_tests()[test_id]["bugs"])
    small.sandbox.delete_bug(gone)
    small.clock.advance(hours=2)
    result = await small.sync()
    bugs = await small.bugs()
    assert gone not in bugs
    assert sum(1 for b in bugs.values() if b.test_id == test_id) == count - 1
    assert result.bugs_deleted == 1


async def test_a_final_tests_bug_deleted_upstream_stays_until_a_forced_fetch(
    small: SyncWorld,
) -> None:
    """Final tests are not re-read by the TTL rule; forcing re-reads them and drops the bug."""
    await small.sync(full=True)
    test_id = next(
        t
        for t, test in small.truth_tests().items()
        if test["status"] == "archived" and test["bugs"]
    )
    gone = small.truth_tests()[test_id]["bugs"][0]["id"]
    small.sandbox.delete_bug(gone)
    small.clock.advance(hours=2)
    await small.sync()
    kept = gone in await small.bugs()
    await small.sync(force_bugs=True)
    assert (kept, gone in await small.bugs()) == (True, False)


async def test_a_failing_bug_fetch_is_a_problem_until_the_bugs_load(small: SyncWorld) -> None:
    """The failed test keeps no bugs, is marked incomplete and due; a later sync resolves it."""
    test_id = next(t for t, n in _mutable(small).items() if n > 0)
    small.sandbox.set_faults(Faults(fail_bug_batches_for=frozenset({test_id})))
    failed = await small.sync(full=True)
    row = (await small.tests())[test_id]
    [problem] = [p for p in await small.problems() if p.kind == "bug_batch"]
    small.sandbox.set_faults(Faults())
    healed = await small.sync()
    assert failed.status == "partial"
    assert (row.bugs_complete, row.bugs_synced_at) == (False, None)
    assert (problem.product_id, problem.test_ids) == (row.product_id, [test_id])
    assert [p for p in await small.problems() if p.kind == "bug_batch"] == []
    assert (await small.tests())[test_id].bugs_complete
    assert healed.bugs_upserted == len(small.truth_tests()[test_id]["bugs"])


async def test_refresh_bugs_fetches_only_due_tests_and_reports_each_batch(
    small: SyncWorld,
) -> None:
    """Mutable tests past the TTL are refreshed; final ones are up to date; progress per batch."""
    await small.sync(full=True)
    small.clock.advance(hours=2)
    mutable = sorted(_mutable(small))
    final = next(t for t in small.truth_tests() if t not in mutable)
    events: list[SyncProgress] = []
    result = await small.refresh_bugs([*mutable, final, 1], progress=events.append)
    assert result.refreshed == tuple(mutable)
    assert (result.up_to_date, result.unknown, result.failed) == ((final,), (1,), ())
    assert events[-1].bug_batches_done == events[-1].bug_batches_total == 1
    assert result.requests == 1


async def test_refresh_bugs_without_anything_due_sends_no_request(small: SyncWorld) -> None:
    """Fresh bugs are not fetched again."""
    await small.sync(full=True)
    small.sandbox.reset_counters()
    result = await small.refresh_bugs(sorted(small.truth_tests()))
    assert (result.refreshed, result.requests, small.requests()) == ((), 0, {})


def _due(counts: list[int | None]) -> list[BugFetchDue]:
    return [BugFetchDue(test_id=i, product_id=1, bug_count=n) for i, n in enumerate(counts)]


def test_batches_are_packed_under_the_bug_budget_when_counts_are_known() -> None:
    """Known counts pack as many tests as stay under ~600 bugs (and the id limit)."""
    batches = plan_batches(_due([300, 200, 150, 0, 0, 500, 700]), max_ids=40)
    assert [[d.test_id for d in b] for b in batches] == [[0, 1], [2, 3, 4], [5], [6]]


def test_tests_never_fetched_fill_batches_of_the_id_limit() -> None:
    """Without counts, a batch holds `max_ids` tests."""
    batches = plan_batches(_due([None] * 100), max_ids=40)
    assert [len(b) for b in batches] == [40, 40, 20]
