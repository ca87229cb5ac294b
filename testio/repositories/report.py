"""The report's aggregations: grouped counts in SQL, never Python loops over bug rows."""

from __future__ import annotations

from datetime import datetime

import attrs
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, TestRow


@attrs.frozen
class ScopedTest:
    """A test in a report's scope, with what the report needs to know about its bugs' freshness."""

    __test__ = False

    id: int
    title: str
    status: str
    testing_type: str | None
    end_at: datetime | None
    bugs_synced_at: datetime | None
    bugs_complete: bool


@attrs.frozen
class Bounds:
    """Which tests a report covers: a product, statuses, and an inclusive `end_at` range."""

    product_id: int
    statuses: tuple[str, ...]
    end_from: datetime | None = None
    end_to: datetime | None = None


@attrs.frozen
class GroupCount:
    """Bugs of one test sharing a status, an auto-accepted flag and a known flag."""

    test_id: int
    status: str
    auto_accepted: bool | None
    known: bool
    count: int


class ReportRepository:
    """Read-only SQL for the EBR report."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _scope(bounds: Bounds) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [
            TestRow.product_id == bounds.product_id,
            TestRow.status.in_(sorted(bounds.statuses)),
        ]
        if bounds.end_from is not None:
            where.append(TestRow.end_at >= bounds.end_from)
        if bounds.end_to is not None:
            where.append(TestRow.end_at <= bounds.end_to)
        return where

    async def tests_in_scope(self, bounds: Bounds) -> list[ScopedTest]:
        """The tests in scope, newest first (by end, then id)."""
        rows = await self.session.execute(
            select(
                TestRow.id,
                TestRow.title,
                TestRow.status,
                TestRow.testing_type,
                TestRow.end_at,
                TestRow.bugs_synced_at,
                TestRow.bugs_complete,
            )
            .where(*self._scope(bounds))
            .order_by(TestRow.end_at.desc().nulls_first(), TestRow.id.desc())
        )
        return [ScopedTest(*row) for row in rows]

    async def bug_groups(self, bounds: Bounds) -> list[GroupCount]:
        """Bug counts per test in scope, grouped by (status, auto_accepted, known)."""
        rows = await self.session.execute(
            select(BugRow.test_id, BugRow.status, BugRow.auto_accepted, BugRow.known, func.count())
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*self._scope(bounds))
            .group_by(BugRow.test_id, BugRow.status, BugRow.auto_accepted, BugRow.known)
        )
        return [GroupCount(t, s, a, bool(k), n) for t, s, a, k, n in rows]

    async def severity_counts(self, bounds: Bounds) -> dict[str, int]:
        """Bug counts of the tests in scope by severity."""
        rows = await self.session.execute(
            select(BugRow.severity, func.count())
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*self._scope(bounds))
            .group_by(BugRow.severity)
            .order_by(func.count().desc(), BugRow.severity)
        )
        return {str(severity): int(n) for severity, n in rows}
