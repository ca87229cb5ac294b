"""SyncService: brings the cache up to date with the TestIO API.

One sync runs at a time per database (`SyncLock`, also across processes). Products are
synced concurrently; for each: the feature catalogue (when due), the test list (all of it
on a full sync or a product never read completely, else only what is new), then the bugs
that are due. Every page and bug batch is committed as it arrives, so an interrupted sync
keeps its work and the next one resumes without duplicates. Each run is recorded as a
sync event; what could not be fetched is recorded as problems.

Bug freshness: a test's bugs are due when never fetched completely, when the last fetch
failed, when the test is mutable and its bugs are older than `settings.bug_ttl_s`, or when
it became final (archived, cancelled) after its bugs were fetched. Final tests' bugs are
otherwise never fetched again unless forced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence

import anyio
import attrs
from sqlalchemy.ext.asyncio import AsyncEngine

from testio.cache.synclock import DEFAULT_WAIT_S, SyncLock
from testio.client.api import TestIOClient
from testio.domain.sync import (
    BugRefreshResult,
    ProductSyncSummary,
    SyncProblem,
    SyncProgress,
    SyncResult,
    SyncStatus,
)
from testio.errors import ServiceStateError, SyncInProgressError
from testio.repositories import (
    SyncEventCounts,
)
from testio.services.base import BaseService, root_error, run_to_completion
from testio.services.batches import BugPipeline, BugTotals
from testio.services.discovery import ProductTally
from testio.services.updater import (
    ProductUpdater,
    ProgressCallback,
    UpdatePlan,
    emit_progress,
)
from testio.services.writer import CacheWriter, as_sync_problem

log = logging.getLogger("testio.sync")

McpProgress = Callable[[float, float | None, str], Awaitable[None]]


class SyncService(BaseService):
    """Syncs the cache with the TestIO API; one run (or bug refresh) per unit of work."""

    # ---- public ---------------------------------------------------------------------------

    async def sync(
        self,
        product_ids: Sequence[int] | None = None,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
        force_bugs: bool = False,
        wait: bool = True,
        lock_timeout: float = DEFAULT_WAIT_S,
        trigger: str = "manual",
    ) -> SyncResult:
        """Sync all products (or `product_ids`); `full` re-reads every test page.

        `wait=False` raises `SyncInProgressError` at once when another sync runs; otherwise
        this waits up to `lock_timeout` seconds for it. `force_bugs` re-fetches the bugs of
        every test of the synced products, final ones included.
        """
        client = self.client
        lock = SyncLock(self._engine(), wait=False)
        try:
            await lock.acquire()
        except SyncInProgressError:
            if not wait:
                raise
            await emit_progress(
                progress, SyncProgress("waiting", "Waiting for another sync to finish…")
            )
            lock = SyncLock(self._engine(), wait=True, timeout=lock_timeout)
            await lock.acquire()
        try:
            return await self._run(
                client,
                lock,
                None if product_ids is None else list(dict.fromkeys(product_ids)),
                full=full,
                force_bugs=force_bugs,
                progress=progress,
                trigger=trigger,
            )
        finally:
            await lock.release()

    async def sync_now(
        self,
        product_ids: Sequence[int] | None = None,
        *,
        full: bool = False,
        progress: McpProgress | None = None,
        wait: bool = True,
    ) -> SyncResult:
        """`sync` for the MCP tool: progress as (products done, products total, message)."""

        async def report(event: SyncProgress) -> None:
            if progress is not None:
                total = float(event.products_total) if event.products_total else None
                await progress(float(event.products_done), total, event.message)

        return await self.sync(product_ids, full=full, progress=report, wait=wait, trigger="mcp")

    async def refresh_bugs(
        self,
        test_ids: Collection[int],
        *,
        force: bool = False,
        progress: ProgressCallback | None = None,
    ) -> BugRefreshResult:
        """Bring the bugs of cached tests up to date (TTL rule; `force` fetches them all).

        Runs without the sync lock (its writes are upserts by id and short transactions).
        Progress is reported after each batch.
        """
        client = self.client
        before = client.requests_made
        wanted = set(test_ids)
        writer = CacheWriter(self.repos, self.commit, self.now)
        freshness = await self.repos.tests.bug_freshness(
            wanted, now=self.now(), ttl_s=self.settings.bug_ttl_s, force=force
        )
        known, due = freshness.known, list(freshness.due)
        totals = BugTotals()
        if due:
            message = f"Fetching the bugs of {len(due)} test(s)…"
            await emit_progress(progress, SyncProgress("bugs", message))

            async def on_batch(_: Sequence[int]) -> None:
                event = SyncProgress(
                    "bugs",
                    f"Bug batch {totals.batches_done}/{totals.batches_total} done",
                    bug_batches_done=totals.batches_done,
                    bug_batches_total=totals.batches_total,
                    bugs_written=totals.upserted,
                )
                await emit_progress(progress, event)

            try:
                async with anyio.create_task_group() as tg:
                    pipeline = BugPipeline(
                        client,
                        writer,
                        tg,
                        limiter=self._limiter(),
                        max_ids=self.settings.bug_batch_size,
                        on_batch=on_batch,
                        totals=totals,
                    )
                    pipeline.add(due)
                    pipeline.flush()
            except BaseExceptionGroup as group:
                raise root_error(group) from None
            if totals.refreshed:
                await writer.resolve_bug_problems()
        due_ids = {d.test_id for d in due}
        return BugRefreshResult(
            refreshed=tuple(sorted(totals.refreshed)),
            up_to_date=tuple(sorted(known - due_ids)),
            failed=tuple(sorted(totals.failed)),
            unknown=tuple(sorted(wanted - known)),
            bugs_upserted=totals.upserted,
            bugs_deleted=totals.deleted,
            requests=client.requests_made - before,
            problems=tuple(as_sync_problem(p) for p in writer.problems.values()),
        )

    # ---- the run --------------------------------------------------------------------------

    async def _still_open(self, writer: CacheWriter, product_ids: list[int]) -> list[SyncProblem]:
        """Problems of these products from earlier runs that this run neither saw nor resolved.

        An incremental run does not revisit every range an earlier run could not read, so the
        data those problems name is still missing: the run is not complete while they are open.
        """
        wanted = set(product_ids)
        return [
            SyncProblem(
                kind=row.kind,
                product_id=row.product_id,
                message=row.message,
                test_ids=tuple(int(t) for t in row.test_ids),
            )
            for row in reversed(await self.repos.problems.list_problems())
            if row.product_id in wanted and (row.kind, row.key) not in writer.problems
        ]

    def _engine(self) -> AsyncEngine:
        bind = self.session.bind
        if not isinstance(bind, AsyncEngine):
            raise ServiceStateError("SyncService needs a session factory bound to an AsyncEngine.")
        return bind

    def _limiter(self) -> anyio.CapacityLimiter:
        return anyio.CapacityLimiter(max(1, self.settings.max_in_flight))

    async def _run(
        self,
        client: TestIOClient,
        lock: SyncLock,
        product_ids: list[int] | None,
        *,
        full: bool,
        force_bugs: bool,
        progress: ProgressCallback | None,
        trigger: str,
    ) -> SyncResult:
        started = self.now()
        clock = time.perf_counter()
        before = client.requests_made
        await self.repos.sync_events.abandon_running(at=started)
        event_id = await self.repos.sync_events.start(
            started_at=started, trigger=trigger, full=full, product_ids=product_ids
        )
        await self.commit()
        writer = CacheWriter(
            self.repos, self.commit, self.now, sync_id=event_id, keep_alive=lock.keep_alive
        )
        tallies: list[ProductTally] = []

        def counts() -> SyncEventCounts:
            return SyncEventCounts(
                products=len(tallies),
                tests_new=sum(t.tests_new for t in tallies),
                tests_updated=sum(t.tests_updated for t in tallies),
                bugs_upserted=sum(t.bugs_upserted for t in tallies),
                bugs_deleted=sum(t.bugs_deleted for t in tallies),
                requests=client.requests_made - before,
                problems=len(writer.problems),
            )

        updater = ProductUpdater(
            client,
            writer,
            self.settings,
            self.now,
            plan=UpdatePlan(full=full, force_bugs=force_bugs),
            limiter=self._limiter(),
        )
        try:
            await updater.run(tallies, product_ids, progress=progress)
        except BaseException as exc:
            error = root_error(exc)
            cancelled = isinstance(error, anyio.get_cancelled_exc_class() | KeyboardInterrupt)
            status: SyncStatus = "cancelled" if cancelled else "failed"
            message = "The sync was cancelled." if cancelled else str(error) or type(error).__name__

            async def record_end() -> None:
                await self.session.rollback()
                await self.repos.sync_events.finish(
                    event_id,
                    status=status,
                    ended_at=self.now(),
                    duration_s=time.perf_counter() - clock,
                    counts=counts(),
                    error=message,
                )
                await self.session.commit()

            try:
                await run_to_completion(record_end)
            except Exception:
                log.exception("recording the end of sync %d failed", event_id)
            if error is not exc:
                raise error from None
            raise
        problems = (
            *(as_sync_problem(p) for p in writer.problems.values()),
            *await self._still_open(writer, [t.id for t in tallies]),
        )
        complete = not problems and all(t.complete for t in tallies)
        status = "success" if complete else "partial"
        ended = self.now()
        duration = time.perf_counter() - clock
        total = attrs.evolve(counts(), problems=len(problems))
        await self.repos.sync_events.finish(
            event_id, status=status, ended_at=ended, duration_s=duration, counts=total
        )
        await self.commit()
        return SyncResult(
            status=status,
            complete=complete,
            event_id=event_id,
            trigger=trigger,
            full=full,
            started_at=started,
            ended_at=ended,
            duration_s=round(duration, 3),
            products=total.products,
            tests_new=total.tests_new,
            tests_updated=total.tests_updated,
            bugs_upserted=total.bugs_upserted,
            bugs_deleted=total.bugs_deleted,
            requests=total.requests,
            problems=problems,
            per_product=tuple(
                ProductSyncSummary(
                    id=t.id,
                    name=t.name,
                    pages=t.pages,
                    tests_seen=t.tests_seen,
                    tests_new=t.tests_new,
                    tests_updated=t.tests_updated,
                    bug_batches=t.bug_batches_done,
                    bugs_upserted=t.bugs_upserted,
                    bugs_deleted=t.bugs_deleted,
                    complete=t.complete,
                )
                for t in tallies
            ),
        )
