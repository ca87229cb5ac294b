"""Bug batches: packing due tests into `GET bugs` calls, fetching them, writing each one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import anyio
import anyio.abc
import attrs

from testio.client import BugBatch, Problem, TestIOClient
from testio.errors import ApiError, AuthenticationError
from testio.repositories import BugFetchDue
from testio.services.writer import BugWriteCounts, CacheWriter

BUG_BUDGET: Final = 600
"""Bugs one `GET bugs` call may carry before the gateway is likely to time out (524)."""


def plan_batches(
    due: Sequence[BugFetchDue], *, max_ids: int, budget: int = BUG_BUDGET
) -> list[tuple[BugFetchDue, ...]]:
    """Pack tests into batches of at most `max_ids` tests and about `budget` bugs.

    A test's bug count from its last fetch is its weight; a test never fetched weighs
    `budget / max_ids`, so unknown tests fill batches of `max_ids`. Order is kept (newest
    first), so an interrupted sync has the most recent tests' bugs.
    """
    unknown = max(1, budget // max(1, max_ids))
    batches: list[tuple[BugFetchDue, ...]] = []
    current: list[BugFetchDue] = []
    weight = 0
    for item in due:
        n = item.bug_count if item.bug_count is not None else unknown
        if current and (len(current) >= max_ids or weight + n > budget):
            batches.append(tuple(current))
            current, weight = [], 0
        current.append(item)
        weight += n
    if current:
        batches.append(tuple(current))
    return batches


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

    `add` queues due tests and starts every batch that is full; `flush` starts the rest.
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
        on_batch: Callable[[Sequence[int]], Awaitable[None]] | None = None,
        totals: BugTotals | None = None,
    ) -> None:
        self._client = client
        self._writer = writer
        self._tg = task_group
        self._limiter = limiter
        self._max_ids = max_ids
        self._on_batch = on_batch
        self._pending: list[BugFetchDue] = []
        self.queued: set[int] = set()
        """Every test id handed to this pipeline."""
        self.totals = totals if totals is not None else BugTotals()
        self.by_product: dict[int, BugTotals] = {}

    def add(self, due: Sequence[BugFetchDue]) -> None:
        """Queue due tests (ones queued before are ignored); start the batches that are full."""
        fresh = [d for d in due if d.test_id not in self.queued]
        self.queued.update(d.test_id for d in fresh)
        self._pending.extend(fresh)
        batches = plan_batches(self._pending, max_ids=self._max_ids)
        if len(batches) > 1:
            for batch in batches[:-1]:
                self._start(batch)
            self._pending = list(batches[-1])

    def flush(self) -> None:
        """Start every queued test that is not in a batch yet."""
        for batch in plan_batches(self._pending, max_ids=self._max_ids):
            self._start(batch)
        self._pending = []

    def product_totals(self, product_id: int) -> BugTotals:
        """The running totals of one product's part."""
        return self.by_product.setdefault(product_id, BugTotals())

    def _start(self, batch: tuple[BugFetchDue, ...]) -> None:
        self.totals.batches_total += 1
        for pid in {d.product_id for d in batch}:
            self.product_totals(pid).batches_total += 1
        self._tg.start_soon(self._run, batch)

    async def _run(self, batch: tuple[BugFetchDue, ...]) -> None:
        ids = tuple(d.test_id for d in batch)
        product_of = {d.test_id: d.product_id for d in batch}
        async with self._limiter:
            try:
                fetched = await self._client.get_bugs(ids)
            except AuthenticationError:
                raise
            except ApiError as exc:
                fetched = _failed_batch(ids, exc)
            counts = await self._writer.write_bugs(fetched, product_of)
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
