"""ProductUpdater: brings one product up to date within a sync run.

Per product, concurrently: the feature catalogue when due, and the test list (all pages
on a full sync or for a product never read completely, else only what is new). The due
tests of each stored page, and then the product's tests due for other reasons (TTL, final
status, earlier failures), go to the run's bug pipeline, which fetches them in batches
shared by all products while the pages still arrive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Final

import anyio
import attrs

from testio.client import TestIOClient
from testio.config import Settings
from testio.models import ProductRow
from testio.payloads import Product
from testio.repositories import BugFetchDue, Repositories
from testio.services.batches import BugPipeline
from testio.services.discovery import LIST_PROBLEMS, ProductTally, TestDiscovery
from testio.services.writer import CacheWriter, as_new_problem

FEATURES_TTL: Final = timedelta(days=1)
"""An incremental sync re-reads a product's feature catalogue once it is this old."""

STALE_TESTS_PER_PRODUCT: Final = 50
"""At most this many mutable tests beyond the new pages are re-read one by one per sync."""


@attrs.frozen
class UpdatePlan:
    """How a run updates products: full or incremental, bugs forced or by the rules."""

    full: bool
    force_bugs: bool


class ProductUpdater:
    """Updates products of one sync run through its `CacheWriter`."""

    def __init__(
        self,
        client: TestIOClient,
        writer: CacheWriter,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        plan: UpdatePlan,
        on_change: Callable[[ProductTally], Awaitable[None]],
    ) -> None:
        self._client = client
        self._writer = writer
        self._settings = settings
        self._now = clock
        self._plan = plan
        self._on_change = on_change

    async def update(
        self, product: Product, row: ProductRow | None, tally: ProductTally, bugs: BugPipeline
    ) -> bool:
        """Features and tests of one product, queueing its due tests on `bugs` (the caller
        flushes the pipeline and waits for it). True when the test list was read to its
        end or stop point; problems end up on the writer and the tally."""
        pid = product.id
        features_at = row.features_synced_at if row is not None else None
        features_due = (
            self._plan.full or features_at is None or self._now() - features_at >= FEATURES_TTL
        )
        tally.phase = "tests"
        await self._on_change(tally)

        async def on_page(tally: ProductTally, test_ids: Sequence[int]) -> None:
            bugs.add(await self._due(pid, test_ids))
            tally.bug_batches_total = bugs.product_totals(pid).batches_total
            await self._on_change(tally)

        read_all = False
        async with anyio.create_task_group() as tg:
            if features_due:
                tg.start_soon(self._features, product, tally)
            read_all = await self._tests(row, tally, on_page)
        bugs.add(await self._due(pid, None))
        if not read_all:
            tally.complete = False
        tally.phase = "bugs"
        tally.bug_batches_total = bugs.product_totals(pid).batches_total
        await self._on_change(tally)
        return read_all

    async def _due(self, pid: int, test_ids: Sequence[int] | None) -> list[BugFetchDue]:
        if test_ids is not None and not test_ids:
            return []
        now, ttl, force = self._now(), self._settings.bug_ttl_s, self._plan.force_bugs

        async def query(repos: Repositories) -> list[BugFetchDue]:
            return await repos.tests.due_for_bugs(
                now=now, ttl_s=ttl, product_ids=[pid], test_ids=test_ids, force=force
            )

        return await self._writer.read(query)

    async def _tests(
        self,
        row: ProductRow | None,
        tally: ProductTally,
        on_page: Callable[[ProductTally, Sequence[int]], Awaitable[None]],
    ) -> bool:
        """Read the test list; True when it was read to its end or stop point."""
        pid = tally.id
        discovery = TestDiscovery(
            self._client,
            self._writer,
            per_page=self._settings.page_size,
            max_window=self._settings.max_in_flight,
            on_page=on_page,
        )
        known_sync_id = row.tests_sync_id if row is not None else None
        if self._plan.full or known_sync_id is None:
            expected = await self._writer.read(lambda r: r.tests.count(pid))
            read_all = await discovery.full(tally, expected_tests=expected)
            if read_all:
                await self._resolve_list_problems(pid)
        else:
            read_all = await discovery.incremental(tally, known_sync_id=known_sync_id)
            if read_all:
                cutoff = self._now() - timedelta(seconds=self._settings.bug_ttl_s)
                await discovery.refresh_stale(
                    tally, synced_before=cutoff, limit=STALE_TESTS_PER_PRODUCT
                )
        if read_all:
            sync_id, at = self._writer.sync_id or 0, self._now()
            await self._writer.write(
                lambda r: r.products.mark_tests_discovered(pid, sync_id=sync_id, at=at)
            )
        return read_all

    async def _features(self, product: Product, tally: ProductTally) -> None:
        features, problems = await self._client.list_features(product)
        noted = self._writer.note(as_new_problem(p, product_id=product.id) for p in problems)
        now = self._now()

        async def change(repos: Repositories) -> None:
            if noted:
                # Some sections failed: keep what is cached for them, add what arrived.
                await repos.features.replace_for_product(
                    product.id, features, synced_at=now, delete_missing=False
                )
                await repos.problems.record(noted, seen_at=now)
                return
            await repos.features.replace_for_product(product.id, features, synced_at=now)
            await repos.products.mark_features_synced(product.id, now)
            await repos.problems.resolve_missing(
                kind="features", product_id=product.id, still_open=(), at=now
            )

        await self._writer.write(change)
        if noted:
            tally.complete = False

    async def _resolve_list_problems(self, pid: int) -> None:
        """After a complete read, close the product's list problems this read did not see."""
        now = self._now()
        seen = {
            kind: [
                p.key
                for p in self._writer.problems.values()
                if p.kind == kind and p.product_id == pid
            ]
            for kind in LIST_PROBLEMS
        }

        async def change(repos: Repositories) -> None:
            for kind, keys in seen.items():
                await repos.problems.resolve_missing(
                    kind=kind, product_id=pid, still_open=keys, at=now
                )

        await self._writer.write(change)
