"""The triage audit log: one row per write sent to TestIO, appended and read, never edited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import TriageLogRow


class TriageLogRepository:
    """SQL over the triage log; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, entry: Mapping[str, Any]) -> TriageLogRow:
        """Add one entry (the columns of `TriageLogRow` but its id) and flush it."""
        row = TriageLogRow(**entry)
        self.session.add(row)
        await self.session.flush()
        return row

    async def recent(
        self, *, limit: int, bug_id: int | None = None, product_id: int | None = None
    ) -> tuple[list[TriageLogRow], int]:
        """The newest `limit` entries (optionally of one bug or product) and how many match."""
        where: list[Any] = []
        if bug_id is not None:
            where.append(TriageLogRow.bug_id == bug_id)
        if product_id is not None:
            where.append(TriageLogRow.product_id == product_id)
        rows = await self.session.scalars(
            select(TriageLogRow)
            .where(*where)
            .order_by(TriageLogRow.at.desc(), TriageLogRow.id.desc())
            .limit(limit)
        )
        total = await self.session.scalar(
            select(func.count()).select_from(TriageLogRow).where(*where)
        )
        return list(rows), total or 0
