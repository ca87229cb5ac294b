"""Bug batches: packing due tests into `GET bugs` calls, fetching them, writing each one."""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Final

import anyio
import anyio.abc
import attrs

from testio.client.api import TestIOClient
from testio.client.listings import BugBatch
from testio.client.recovery import Problem
from testio.errors import ApiError, AuthenticationError
from testio.repositories import BugFetchDue
from testio.services.writer import BugWriteCounts, CacheWriter

BUG_BUDGET: Final = 600
"""Bugs one `GET bugs` call may carry before the gateway is likely to time out (524)."""

RATE_SAMPLE: Final = 400
"""Bug counts of the latest tests fetched for the first time that the packing learns from
(the latest only: along a product's list, newest first, the rate drifts)."""

RATE_MIN_SAMPLE: Final = 40
"""Tests fetched for the first time before what they showed replaces the prior guess."""

PRIOR_BUGS_MEAN: Final = 11.0
PRIOR_BUGS_SD: Final = 22.0
"""The guess before any test came back: about 11 bugs per test (the figures recorded from
the real API, testio-api.md §5.1: 8,071 bugs over 731 tests), with a spread twice that,
as bug counts are heavy-tailed (most tests have a few, now and then one has hundreds)."""


def first_batch(
    due: Sequence[BugFetchDue], *, max_ids: int, budget: int = BUG_BUDGET, unknown: float
) -> tuple[int, bool]:
    """How many of `due`, from the front, go into the next batch, and whether it is full.

    A test weighs its bug count from its last fetch, a test never fetched `unknown`. A batch
    is full when it holds `max_ids` tests or the next test would take it over `budget`;
    otherwise it took all of `due` and more tests could join it. A test heavier than the
    budget still gets a batch of its own.
    """
    weight = 0.0
    for index, item in enumerate(due):
        if index >= max_ids:
            return index, True
        n = item.bug_count if item.bug_count is not None else unknown
        if index and weight + n > budget:
            return index, True
        weight += n
    return len(due), len(due) >= max_ids


def plan_batches(
    due: Sequence[BugFetchDue],
    *,
    max_ids: int,
    budget: int = BUG_BUDGET,
    unknown: float | None = None,
) -> list[tuple[BugFetchDue, ...]]:
    """Pack tests into batches of at most `max_ids` tests and about `budget` bugs.

    A test's bug count from its last fetch is its weight; a test never fetched weighs
    `unknown`, by default `budget / max_ids`, so unknown tests fill batches of `max_ids`.
    Order is kept (newest first), so an interrupted sync has the most recent tests' bugs.
    """
    limit = max(1, max_ids)
    guess = unknown if unknown is not None else budget / limit
    batches: list[tuple[BugFetchDue, ...]] = []
    start = 0
    while start < len(due):
        window = due[start : start + limit]
        size, _ = first_batch(window, max_ids=limit, budget=budget, unknown=guess)
        batches.append(tuple(window[:size]))
        start += size
    return batches


class BugRate:
    """What this sync's batches have shown about the bug counts of tests never fetched before.

    `unknown` is what such a test weighs when batches are packed: `budget / n`, for the n
    tests per batch that cost the fewest requests per test (`best_batch_size`). The mean
    and spread of a test's bugs are the prior guess until `RATE_MIN_SAMPLE` tests came back,
    then those of the latest `RATE_SAMPLE` tests.
    """

    def __init__(self, *, max_ids: int, budget: int = BUG_BUDGET) -> None:
        self._max_ids = max(1, max_ids)
        self._budget = budget
        self._counts: deque[int] = deque(maxlen=RATE_SAMPLE)
        self.unknown = budget / best_batch_size(
            PRIOR_BUGS_MEAN, PRIOR_BUGS_SD**2, budget=budget, max_ids=self._max_ids
        )

    def __repr__(self) -> str:
        return f"<BugRate {len(self._counts)} tests seen, unknown weighs {self.unknown:.1f}>"

    def observe(self, counts: Iterable[int]) -> None:
        """Learn from the bug counts of tests fetched for the first time."""
        self._counts.extend(counts)
        if len(self._counts) < RATE_MIN_SAMPLE:
            return
        mean = statistics.fmean(self._counts)
        variance = statistics.pvariance(self._counts, mean)
        self.unknown = self._budget / best_batch_size(
            mean, variance, budget=self._budget, max_ids=self._max_ids
        )


def best_batch_size(mean: float, variance: float, *, budget: int, max_ids: int) -> int:
    """The tests per batch (1..max_ids) with the fewest expected requests per test.

    Tests carry `mean` bugs with `variance` each, independently. A batch over `budget` fails
    and its halves are fetched instead (recursively; one test alone always goes through);
    the chance of that is the normal approximation of the sum of its counts.
    """
    cost = [0.0, 1.0]  # expected requests of a batch of n tests
    best, best_cost = 1, 1.0
    for n in range(2, max(1, max_ids) + 1):
        spread = math.sqrt(variance * n)
        if spread > 0:
            over = 0.5 * math.erfc((budget - n * mean) / (spread * math.sqrt(2)))
        else:
            over = 1.0 if n * mean > budget else 0.0
        cost.append(1 + over * (cost[(n + 1) // 2] + cost[n // 2]))
        if cost[n] / n < best_cost:
            best, best_cost = n, cost[n] / n
    return best


@attrs.define
class BugTotals:
    """Running totals of a bug fetch."""

    batches_total: int = 0
    batches_done: int = 0
    upserted: int = 0
    deleted: int = 0
    refreshed: list[int] = attrs.Factory(list[int])
    failed: list[int] = attrs.Factory(list[int])

    def add(self, counts: BugWriteCounts, only: Callable[[int], bool] | None = None) -> None:
        """Count one written batch; with `only(test_id)`, count just those tests' part."""
        self.batches_done += 1
        if only is None:
            self.upserted += counts.upserted
            self.deleted += counts.deleted
            self.refreshed.extend(counts.refreshed)
            self.failed.extend(counts.failed)
            return
        self.refreshed.extend(t for t in counts.refreshed if only(t))
        self.failed.extend(t for t in counts.failed if only(t))


def _failed_batch(ids: tuple[int, ...], exc: ApiError) -> BugBatch:
    message = (
        f"Fetching the bugs of {len(ids)} test(s) failed ({exc}); "
        "they are fetched again by the next sync."
    )
    problem = Problem(kind="bug_batch", product_id=None, message=message, test_ids=ids)
    return BugBatch(test_ids=ids, bugs=(), failed_test_ids=ids, problems=(problem,), requests=0)


class BugPipeline:
    """Fetches bug batches while more due tests keep arriving (e.g. page by page).

    `add` queues due tests, `flush` says no more are coming soon. A batch is packed only
    when it can be fetched (fewer than `limiter` batches are running), so it is packed with
    what the batches before it showed: tests never fetched weigh what `rate` learned, tests
    fetched before weigh their last bug count. Until `flush`, only full batches start.
    Batches may mix products. They run in the given task group, at most `limiter` fetched
    but not yet written (which bounds memory); each is written as soon as it arrives. A
    batch the API refuses outright marks its tests failed (they keep their older bugs); a
    wrong token ends it all. `totals` counts everything, `by_product` each product's part
    (a batch counts for every product it holds); `on_batch` gets the batch's product ids.
    """

    def __init__(
        self,
        client: TestIOClient,
        writer: CacheWriter,
        task_group: anyio.abc.TaskGroup,
        *,
        limiter: anyio.CapacityLimiter,
        max_ids: int,
        budget: int = BUG_BUDGET,
        on_batch: Callable[[Sequence[int]], Awaitable[None]] | None = None,
        totals: BugTotals | None = None,
    ) -> None:
        self._client = client
        self._writer = writer
        self._tg = task_group
        self._limiter = limiter
        self._max_ids = max(1, max_ids)
        self._budget = budget
        self._on_batch = on_batch
        self._pending: list[BugFetchDue] = []
        self._running = 0
        self._flushed = False
        self.rate = BugRate(max_ids=self._max_ids, budget=budget)
        self.queued: set[int] = set()
        """Every test id handed to this pipeline."""
        self.totals = totals if totals is not None else BugTotals()
        self.by_product: dict[int, BugTotals] = {}

    def add(self, due: Sequence[BugFetchDue]) -> None:
        """Queue due tests (ones queued before are ignored); start the batches that are full."""
        fresh = [d for d in due if d.test_id not in self.queued]
        self.queued.update(d.test_id for d in fresh)
        self._pending.extend(fresh)
        self._dispatch()

    def flush(self) -> None:
        """Let every queued test go, in batches that need not be full, as slots free up.

        Tests added later go the same way.
        """
        self._flushed = True
        self._dispatch()

    def product_totals(self, product_id: int) -> BugTotals:
        """The running totals of one product's part."""
        return self.by_product.setdefault(product_id, BugTotals())

    def _dispatch(self) -> None:
        """Start batches while a slot is free and the next batch is full (or flushed)."""
        slots = max(1, self._limiter.total_tokens)
        while self._pending and self._running < slots:
            size, full = first_batch(
                self._pending[: self._max_ids],
                max_ids=self._max_ids,
                budget=self._budget,
                unknown=self.rate.unknown,
            )
            if not (full or self._flushed):
                return
            batch = tuple(self._pending[:size])
            del self._pending[:size]
            self._start(batch)

    def _start(self, batch: tuple[BugFetchDue, ...]) -> None:
        self._running += 1
        self.totals.batches_total += 1
        for pid in {d.product_id for d in batch}:
            self.product_totals(pid).batches_total += 1
        self._tg.start_soon(self._run, batch)

    async def _run(self, batch: tuple[BugFetchDue, ...]) -> None:
        ids = tuple(d.test_id for d in batch)
        product_of = {d.test_id: d.product_id for d in batch}
        try:
            async with self._limiter:
                try:
                    fetched = await self._client.get_bugs(ids)
                except AuthenticationError:
                    raise
                except ApiError as exc:
                    fetched = _failed_batch(ids, exc)
                self._learn(batch, fetched)
                counts = await self._writer.write_bugs(fetched, product_of)
        finally:
            self._running -= 1
        self._dispatch()
        self.totals.add(counts)
        products = sorted(set(product_of.values()))
        for pid in products:
            part = self.product_totals(pid)
            part.add(counts, only=lambda t, pid=pid: product_of.get(t) == pid)
            upserted, deleted = counts.by_product.get(pid, (0, 0))
            part.upserted += upserted
            part.deleted += deleted
        if self._on_batch is not None:
            await self._on_batch(products)

    def _learn(self, batch: tuple[BugFetchDue, ...], fetched: BugBatch) -> None:
        """Feed the bug counts of the tests fetched for the first time to `rate`."""
        failed = set(fetched.failed_test_ids)
        first = [d.test_id for d in batch if d.bug_count is None and d.test_id not in failed]
        if first:
            per_test = Counter(bug.test_id for bug in fetched.bugs)
            self.rate.observe(per_test[t] for t in first)
