"""Which bugs a sync fetches again, and what happens to bugs that change upstream."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

import anyio
import httpx
from sync_world import SyncWorld

from testio.client import BugBatch, TestIOClient
from testio.config import Settings
from testio.domain.sync import SyncProgress
from testio.lifecycle import is_immutable
from testio.repositories import BugFetchDue
from testio.sandbox import Faults
from testio.services.batches import (
    PRIOR_BUGS_MEAN,
    PRIOR_BUGS_SD,
    RATE_MIN_SAMPLE,
    RATE_SAMPLE,
    BugPipeline,
    BugRate,
    BugTotals,
    best_batch_size,
    plan_batches,
)
from testio.services.writer import BugWriteCounts, CacheWriter


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


def test_a_batch_size_is_chosen_for_the_fewest_requests_per_test() -> None:
    """Exact counts fill the budget; no bugs fill the id limit; a heavier test goes alone."""
    assert best_batch_size(30, 0, budget=600, max_ids=40) == 20
    assert best_batch_size(0, 0, budget=600, max_ids=40) == 40
    assert best_batch_size(700, 0, budget=600, max_ids=40) == 1
    # A spread leaves room: fewer tests than the mean alone would allow, but not many fewer.
    assert 20 < best_batch_size(12, 21**2, budget=600, max_ids=40) < 600 // 12


def test_the_rate_learns_from_the_latest_tests_fetched_for_the_first_time() -> None:
    """Before enough tests came back the prior holds; then the latest counts decide."""
    rate = BugRate(max_ids=40)
    prior = 600 / best_batch_size(PRIOR_BUGS_MEAN, PRIOR_BUGS_SD**2, budget=600, max_ids=40)
    assert rate.unknown == prior
    rate.observe([30] * (RATE_MIN_SAMPLE - 1))
    assert rate.unknown == prior
    rate.observe([30])
    assert rate.unknown == 30  # batches of 20
    rate.observe([0] * RATE_SAMPLE)
    assert rate.unknown == 15  # the 30s are out of the window: batches of 40 again


class _BugApi:
    """`GET bugs` over tests with known bug counts, answering 524 over the budget like TestIO."""

    def __init__(self, counts: dict[int, int]) -> None:
        self.counts = counts
        self.calls: list[tuple[int, int]] = []  # (ids, status)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        ids = [int(i) for i in request.url.params["filter_test_cycle_ids"].split(",")]
        total = sum(self.counts[i] for i in ids)
        status = 524 if len(ids) > 1 and total > 600 else 200
        self.calls.append((len(ids), status))
        if status == 524:
            return httpx.Response(524, text="<html>timeout</html>")
        bugs = [
            {"id": t * 1000 + n, "title": "Bug", "status": "accepted", "severity": "low",
             "test": {"id": t}}
            for t in ids
            for n in range(self.counts[t])
        ]  # fmt: skip
        return httpx.Response(200, json={"bugs": bugs})


class _Writer:
    """Stands in for the `CacheWriter`: counts what each batch would write."""

    async def write_bugs(self, batch: BugBatch, product_of: Mapping[int, int]) -> BugWriteCounts:
        failed = set(batch.failed_test_ids)
        refreshed = tuple(t for t in batch.test_ids if t not in failed)
        return BugWriteCounts(len(batch.bugs), 0, refreshed, batch.failed_test_ids, {})


async def test_batches_are_packed_with_what_the_batches_before_them_showed() -> None:
    """Tests of 30 bugs: once enough came back, batches hold 20 of them and none is refused.

    One batch runs at a time, so each is packed only when the one before it is done.
    """
    api = _BugApi(dict.fromkeys(range(1, 201), 30))
    settings = Settings(api_url="https://api.example.test/customer/v2", api_token="tok")
    due = [BugFetchDue(test_id=t, product_id=1, bug_count=None) for t in api.counts]
    client = TestIOClient(settings, transport=httpx.MockTransport(api), backoff_base=0.0)
    totals = BugTotals()
    async with client, anyio.create_task_group() as tg:
        pipeline = BugPipeline(
            client,
            cast(CacheWriter, _Writer()),
            tg,
            limiter=anyio.CapacityLimiter(1),
            max_ids=40,
            totals=totals,
        )
        pipeline.add(due)
        pipeline.flush()
    prior = best_batch_size(PRIOR_BUGS_MEAN, PRIOR_BUGS_SD**2, budget=600, max_ids=40)
    guessed = math.ceil(RATE_MIN_SAMPLE / prior)  # batches packed before the rate is known
    halves = [(prior, 524), ((prior + 1) // 2, 200), (prior // 2, 200)]
    rest = 200 - guessed * prior
    assert api.calls == halves * guessed + [(20, 200)] * (rest // 20) + [(rest % 20, 200)]
    assert sorted(totals.refreshed) == list(api.counts)
    assert totals.batches_done == guessed + math.ceil(rest / 20)
