"""The cache's own state: statistics, sync history, and the data the API would not return."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import make_url

from testio.cache.engine import sqlite_path
from testio.cache.models import SyncEventRow
from testio.domain.stats import (
    DatabaseStats,
    ProblemItem,
    ProblemList,
    ProductStats,
    SyncEventItem,
    SyncHistory,
    SyncHistorySummary,
)
from testio.services.base import BaseService

HOW_TO_LOOK_UP = (
    "Tests in a failing test-list range lie between before_test_id and after_test_id in the "
    "product's list (newest first); the TestIO web UI shows them. Failing bug batches are "
    "retried by the next sync; sync_data with full=true re-reads everything."
)


def describe_database(url: str) -> str:
    """The database without credentials: a file path, or backend://host/name."""
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    parsed = make_url(url)
    return f"{parsed.get_backend_name()}://{parsed.host or ''}/{parsed.database or ''}"


def event_item(row: SyncEventRow) -> SyncEventItem:
    """A sync event as reported."""
    return SyncEventItem(
        id=row.id,
        status=row.status,
        trigger=row.trigger,
        started_at=row.started_at,
        ended_at=row.ended_at,
        duration_s=round(row.duration_s, 3) if row.duration_s is not None else None,
        products=row.products,
        tests_upserted=row.tests_new + row.tests_updated,
        bugs_upserted=row.bugs_upserted,
        bugs_deleted=row.bugs_deleted,
        requests=row.requests,
        problems=row.problems,
        error=row.error,
    )


class StatsService(BaseService):
    """Reads the cache's statistics, sync events and problems."""

    async def get_database_stats(self) -> DatabaseStats:
        """File (or server database) size, row counts, per-product counts, test end span."""
        counts = await self.repos.stats.cache_counts()
        path = sqlite_path(self.settings.database_url)
        size = await self.repos.stats.server_database_size()
        if path is not None and path.exists():
            size = path.stat().st_size + sum(
                p.stat().st_size
                for p in (path.with_name(path.name + s) for s in ("-wal", "-shm"))
                if p.exists()
            )
        return DatabaseStats(
            database=describe_database(self.settings.database_url),
            file_size_bytes=size,
            schema_version=counts.schema_version or 0,
            products=counts.products,
            features=counts.features,
            tests=counts.tests,
            bugs=counts.bugs,
            sync_events=counts.sync_events,
            open_problems=counts.open_problems,
            oldest_test_end_at=counts.oldest_test_end_at,
            newest_test_end_at=counts.newest_test_end_at,
            per_product=tuple(
                ProductStats(
                    id=p.id, name=p.name, tests=p.tests, bugs=p.bugs, synced_at=p.synced_at
                )
                for p in counts.per_product
            ),
            data_as_of=await self.last_successful_sync(),
        )

    async def get_sync_history(self, *, limit: int = 10) -> SyncHistory:
        """The most recent sync runs and how syncs have gone overall."""
        rows = await self.repos.sync_events.recent(limit)
        now = self.now()
        by_status = await self.repos.sync_events.status_counts(now=now)
        finished = sum(n for s, n in by_status.items() if s != "running")
        good = by_status.get("success", 0)
        recent_fail = await self.repos.sync_events.status_counts(within=timedelta(hours=1), now=now)
        durations = [r.duration_s for r in rows if r.duration_s is not None]
        last = await self.repos.sync_events.last_success(include_partial=False)
        return SyncHistory(
            events=tuple(event_item(r) for r in rows),
            summary=SyncHistorySummary(
                runs=sum(by_status.values()),
                by_status=dict(sorted(by_status.items())),
                success_rate=round(good / finished, 4) if finished else None,
                mean_duration_s=round(sum(durations) / len(durations), 3) if durations else None,
                failures_last_hour=recent_fail.get("failed", 0) + recent_fail.get("partial", 0),
                last_success_at=last.ended_at if last else None,
            ),
        )

    async def get_problematic_tests(self, *, product_id: int | None = None) -> ProblemList:
        """Open problems (failing test-list ranges, bug batches, bad items), newest first."""
        rows = await self.repos.problems.list_problems(product_id=product_id)
        items = tuple(
            ProblemItem(
                id=p.id,
                kind=p.kind,
                product_id=p.product_id,
                message=p.message,
                test_ids=tuple(int(t) for t in p.test_ids),
                offset_start=p.offset_start,
                offset_end=p.offset_end,
                before_test_id=p.before_test_id,
                after_test_id=p.after_test_id,
                first_seen=p.first_seen,
                last_seen=p.last_seen,
            )
            for p in rows
        )
        return ProblemList(
            problems=items,
            total=len(items),
            how_to_look_up=HOW_TO_LOOK_UP,
            data_as_of=await self.last_successful_sync(),
        )

    async def last_successful_sync(self) -> datetime | None:
        """When the last sync that finished (fully or partly) ended."""
        row = await self.repos.sync_events.last_success()
        return None if row is None else row.ended_at or row.started_at
