"""The record of sync runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import SyncEventRow, table_of
from testio.domain.sync import SyncStatus

INTERRUPTED = "Interrupted: the process stopped before this sync finished."


@attrs.frozen
class SyncEventCounts:
    """What a sync run did, as recorded with its end."""

    products: int = 0
    tests_new: int = 0
    tests_updated: int = 0
    bugs_upserted: int = 0
    bugs_deleted: int = 0
    requests: int = 0
    problems: int = 0


class SyncEventRepository:
    """SQL over the sync_events table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(
        self,
        *,
        started_at: datetime,
        trigger: str,
        full: bool,
        product_ids: Sequence[int] | None,
    ) -> int:
        """Record a run that has just started (status `running`); returns its id."""
        row = SyncEventRow(
            trigger=trigger,
            status="running",
            full=full,
            product_ids=None if product_ids is None else list(product_ids),
            started_at=started_at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def finish(
        self,
        event_id: int,
        *,
        status: SyncStatus,
        ended_at: datetime,
        duration_s: float,
        counts: SyncEventCounts,
        error: str | None = None,
    ) -> None:
        """Record how a run ended."""
        await self.session.execute(
            update(table_of(SyncEventRow))
            .where(SyncEventRow.id == event_id)
            .values(
                status=status,
                ended_at=ended_at,
                duration_s=duration_s,
                error=error,
                **attrs.asdict(counts),
            )
        )

    async def abandon_running(self, *, at: datetime) -> int:
        """Mark runs still `running` as failed (call this while holding the sync lock)."""
        result = await self.session.execute(
            update(table_of(SyncEventRow))
            .where(SyncEventRow.status == "running")
            .values(status="failed", ended_at=at, error=INTERRUPTED)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, event_id: int) -> SyncEventRow | None:
        """One run, or None."""
        return await self.session.get(SyncEventRow, event_id)

    async def recent(self, limit: int = 10) -> list[SyncEventRow]:
        """The most recent runs, newest first."""
        rows = await self.session.scalars(
            select(SyncEventRow)
            .order_by(SyncEventRow.started_at.desc(), SyncEventRow.id.desc())
            .limit(limit)
        )
        return list(rows)

    async def last_success(self, *, include_partial: bool = True) -> SyncEventRow | None:
        """The most recent run that finished (`success`, or also `partial`), or None.

        A partial run finished but the API withheld some data (for example a test-list
        range that always fails upstream), so it counts as finished by default.
        """
        statuses = ["success", "partial"] if include_partial else ["success"]
        return await self.session.scalar(
            select(SyncEventRow)
            .where(SyncEventRow.status.in_(statuses))
            .order_by(SyncEventRow.started_at.desc(), SyncEventRow.id.desc())
            .limit(1)
        )

    async def count(self, *, status: str | None = None, since: datetime | None = None) -> int:
        """How many runs are recorded (with a status, and/or started since a time)."""
        stmt = select(func.count()).select_from(SyncEventRow)
        if status is not None:
            stmt = stmt.where(SyncEventRow.status == status)
        if since is not None:
            stmt = stmt.where(SyncEventRow.started_at >= since)
        return (await self.session.scalar(stmt)) or 0

    async def status_counts(
        self, *, within: timedelta | None = None, now: datetime
    ) -> dict[str, int]:
        """Runs by status (within a recent window, if given)."""
        stmt = select(SyncEventRow.status, func.count()).group_by(SyncEventRow.status)
        if within is not None:
            stmt = stmt.where(SyncEventRow.started_at >= now - within)
        rows = await self.session.execute(stmt)
        return {str(status): int(n) for status, n in rows.all()}
