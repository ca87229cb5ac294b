"""ProductUpdater: brings the products of one sync run up to date.

Products are updated concurrently. Per product, also concurrently: the feature catalogue
when due, and the test list (all pages on a full sync or for a product never read
completely, else only what is new). The due tests of each stored page, and then the
product's tests due for other reasons (TTL, final status, earlier failures), go to the
run's bug pipeline, which fetches them in batches shared by all products while pages
still arrive. A product that fails with an API error is a problem; the others go on.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Final

import anyio
import attrs

from testio.cache.models import ProductRow
from testio.client.api import TestIOClient
from testio.client.listings import Catalogue, Stories
from testio.client.payloads import Product
from testio.client.recovery import Problem
from testio.config import Settings
from testio.domain.sync import SyncProgress
from testio.errors import ApiError, AuthenticationError
from testio.repositories import BugFetchDue, NewProblem, Repositories, problem_key
from testio.services.base import root_error
from testio.services.batches import BugPipeline
from testio.services.discovery import LIST_PROBLEMS, ProductTally, TestDiscovery
from testio.services.writer import CacheWriter, as_new_problem

log = logging.getLogger("testio.sync")

FEATURES_TTL: Final = timedelta(days=1)
"""An incremental sync re-reads a product's feature catalogue once it is this old."""

REREAD_HORIZON: Final = timedelta(days=90)
"""An incremental read also re-reads the pages of mutable tests that ended this recently
(locked tests become archived 4–6 weeks after their end) once their record is older than
the bug TTL; older mutable tests are brought up to date by the next full sync."""


ProgressCallback = Callable[[SyncProgress], Awaitable[None] | None]


async def emit_progress(progress: ProgressCallback | None, event: SyncProgress) -> None:
    """Hand an event to a progress callback, sync or async."""
    if progress is None:
        return
    outcome = progress(event)
    if inspect.isawaitable(outcome):
        await outcome


async def _ignore(tally: ProductTally) -> None:
    return None


@attrs.frozen
class UpdatePlan:
    """How a run updates products: full or incremental, bugs forced or by the rules."""

    full: bool
    force_bugs: bool


class ProductUpdater:
    """Updates the products of one sync run through its `CacheWriter`."""

    def __init__(
        self,
        client: TestIOClient,
        writer: CacheWriter,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        plan: UpdatePlan,
        limiter: anyio.CapacityLimiter,
    ) -> None:
        self._client = client
        self._writer = writer
        self._settings = settings
        self._now = clock
        self._plan = plan
        self._limiter = limiter
        self._on_change: Callable[[ProductTally], Awaitable[None]] = _ignore

    async def run(
        self,
        tallies: list[ProductTally],
        product_ids: list[int] | None,
        *,
        progress: ProgressCallback | None,
    ) -> None:
        """Sync the account's products (or `product_ids`), adding one tally per product."""
        client, writer = self._client, self._writer
        await emit_progress(progress, SyncProgress("products", "Reading the product list…"))
        products, problems = await client.list_products()
        listed_at = self._now()
        await writer.record(as_new_problem(p) for p in problems)
        await writer.write(lambda r: r.products.upsert(products, listed_at=listed_at))
        selected = products
        if product_ids is not None:
            wanted = set(product_ids)
            selected = [p for p in products if p.id in wanted]
            for pid in sorted(wanted - {p.id for p in products}):
                message = f"Product {pid} is not on this account (or this token cannot see it); it was skipped."
                writer.note([NewProblem("product", problem_key("product", pid), pid, message)])
        rows = {p.id: p for p in await writer.read(lambda r: r.products.list_all())}
        tallies.extend(ProductTally(id=p.id, name=p.name) for p in selected)
        by_id = {t.id: t for t in tallies}
        read_all: dict[int, bool] = {}
        done = 0

        async def on_change(tally: ProductTally) -> None:
            await emit_progress(progress, _event(tally, done, len(tallies)))

        async def on_batch(product_ids: Sequence[int]) -> None:
            for pid in product_ids:
                tally, part = by_id[pid], bugs.product_totals(pid)
                tally.bug_batches_done = part.batches_done
                tally.bug_batches_total = part.batches_total
                tally.bugs_upserted = part.upserted
                tally.bugs_deleted = part.deleted
                await on_change(tally)

        self._on_change = on_change

        async def one(product: Product, tally: ProductTally) -> None:
            try:
                read_all[product.id] = await self._update_one(
                    product, rows.get(product.id), tally, bugs
                )
                updated.append(product.id)
            except BaseException as exc:
                error = root_error(exc)
                if isinstance(error, AuthenticationError) or not isinstance(error, ApiError):
                    raise
                tally.complete = False
                message = (
                    f"Product {product.id} could not be synced completely ({error}); "
                    "the next sync tries again."
                )
                log.warning("%s", message)
                key = problem_key("product", product.id)
                await writer.record([NewProblem("product", key, product.id, message)])

        updated: list[int] = []
        bug_tasks = anyio.create_task_group()
        bugs = BugPipeline(
            client,
            writer,
            bug_tasks,
            limiter=self._limiter,
            max_ids=self._settings.bug_batch_size,
            on_batch=on_batch,
        )
        async with bug_tasks:
            async with anyio.create_task_group() as product_tasks:
                for product, tally in zip(selected, tallies, strict=True):
                    product_tasks.start_soon(one, product, tally)
            bugs.flush()
        if bugs.totals.refreshed:
            await writer.resolve_bug_problems()
        await self._resolve_product_problems(updated)
        for tally in tallies:
            part = bugs.product_totals(tally.id)
            if part.failed:
                tally.complete = False
            if read_all.get(tally.id) and not part.failed:
                await self._mark_synced(writer, tally.id)
            tally.phase = "done"
            done += 1
            await on_change(tally)

    async def _resolve_product_problems(self, product_ids: Sequence[int]) -> None:
        """Close the "could not be synced" problems of products that synced without error."""
        if not product_ids:
            return
        now = self._now()

        async def change(repos: Repositories) -> None:
            for pid in product_ids:
                await repos.problems.resolve_missing(
                    kind="product", product_id=pid, still_open=(), at=now
                )

        await self._writer.write(change)

    async def _mark_synced(self, writer: CacheWriter, product_id: int) -> None:
        at = self._now()
        await writer.write(lambda r: r.products.mark_synced(product_id, at))

    async def _update_one(
        self, product: Product, row: ProductRow | None, tally: ProductTally, bugs: BugPipeline
    ) -> bool:
        """Features and tests of one product, queueing its due tests on `bugs` (the caller
        flushes the pipeline and waits for it). True when the test list was read to its
        end or stop point; problems end up on the writer and the tally."""
        pid = product.id
        features_at = row.features_synced_at if row is not None else None
        features_due = (
            self._plan.full
            or features_at is None
            or self._now() - features_at >= FEATURES_TTL
            or await self._writer.read(lambda r: r.problems.count_open(pid, kind="features")) > 0
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
            now = self._now()
            cutoff = now - timedelta(seconds=self._settings.bug_ttl_s)

            async def stale(repos: Repositories) -> datetime | None:
                return await repos.tests.oldest_stale_mutable_end(
                    pid, synced_before=cutoff, ended_after=now - REREAD_HORIZON
                )

            reread_until = await self._writer.read(stale)
            read_all = await discovery.incremental(
                tally, known_sync_id=known_sync_id, reread_until=reread_until
            )
        if read_all:
            sync_id, at = self._writer.sync_id or 0, self._now()
            await self._writer.write(
                lambda r: r.products.mark_tests_discovered(pid, sync_id=sync_id, at=at)
            )
        else:
            # A page could not be read: only a full read can tell what it held (and close
            # its problem), so the next sync reads this product's list in full.
            await self._writer.write(lambda r: r.products.require_full_read(pid))
        return read_all

    async def _features(self, product: Product, tally: ProductTally) -> None:
        """The feature catalogue and the user stories, read together (they change together)."""
        features: Catalogue = []
        stories: Stories = []
        feature_problems: list[Problem] = []
        story_problems: list[Problem] = []

        async def read_features() -> None:
            nonlocal features, feature_problems
            features, feature_problems = await self._client.list_features(product)

        async def read_stories() -> None:
            nonlocal stories, story_problems
            stories, story_problems = await self._client.list_user_stories(product)

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(read_features)
                tg.start_soon(read_stories)
        except BaseException as exc:
            error = root_error(exc)
            if isinstance(error, AuthenticationError):
                raise error from None
            if not isinstance(error, ApiError):
                raise
            # The tests and bugs do not depend on the catalogue: keep reading them.
            message = (
                f"The feature catalogue of product {product.id} could not be read ({error}); "
                "the cached features are kept and the next sync reads it again."
            )
            log.warning("%s", message)
            key = problem_key("features", product.id, message="catalogue")
            await self._writer.record([NewProblem("features", key, product.id, message)])
            tally.complete = False
            return
        noted = self._writer.note(
            as_new_problem(p, product_id=product.id) for p in (*feature_problems, *story_problems)
        )
        now = self._now()

        async def change(repos: Repositories) -> None:
            complete = not noted
            # When some sections failed, keep what is cached for them and add what arrived.
            await repos.features.replace_for_product(
                product.id, features, synced_at=now, delete_missing=complete
            )
            await repos.user_stories.replace_for_product(
                product.id, stories, synced_at=now, delete_missing=complete
            )
            if noted:
                await repos.problems.record(noted, seen_at=now)
                return
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


def _event(tally: ProductTally, done: int, total: int) -> SyncProgress:
    """The progress event for a product's state."""
    if tally.phase == "done":
        message = f"{tally.name}: done ({tally.tests_new} new tests, {tally.bugs_upserted} bugs)"
    elif tally.phase == "bugs":
        message = f"{tally.name}: bug batch {tally.bug_batches_done}/{tally.bug_batches_total}"
    else:
        message = (
            f"{tally.name}: page {tally.pages}, {tally.tests_seen} tests ({tally.tests_new} new)"
        )
    return SyncProgress(
        phase=tally.phase,
        message=message,
        product_id=tally.id,
        product_name=tally.name,
        pages_done=tally.pages,
        tests_seen=tally.tests_seen,
        tests_new=tally.tests_new,
        bug_batches_done=tally.bug_batches_done,
        bug_batches_total=tally.bug_batches_total,
        bugs_written=tally.bugs_upserted,
        products_done=done,
        products_total=total,
    )
