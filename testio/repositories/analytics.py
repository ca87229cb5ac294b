"""Grouped bug and test counts for analytics: GROUP BY in SQL, never loops over bug rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from testio.cache.models import BugRow, FeatureRow, TestRow
from testio.repositories.report import ScopedTest

Key = tuple[Any, ...]


@attrs.frozen
class AnalyticsScope:
    """Which tests the numbers cover: products (None: all), statuses, an inclusive `end_at` range."""

    product_ids: tuple[int, ...] | None
    statuses: tuple[str, ...]
    end_from: datetime | None = None
    end_to: datetime | None = None


@attrs.frozen
class KeyedBugCount:
    """Bugs of one group sharing a status, an auto-accepted flag and a known flag."""

    key: Key
    status: str
    auto_accepted: bool | None
    known: bool
    count: int


class AnalyticsRepository:
    """Read-only SQL for grouped metrics.

    Dimensions are read as raw columns (`testing_type` as the API sent it, the month of
    `end_at` as `YYYY-MM`, or null for a test without an end): the service normalises them.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _where(scope: AnalyticsScope) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [TestRow.status.in_(sorted(scope.statuses))]
        if scope.product_ids is not None:
            where.append(TestRow.product_id.in_(sorted(scope.product_ids)))
        if scope.end_from is not None:
            where.append(TestRow.end_at >= scope.end_from)
        if scope.end_to is not None:
            where.append(TestRow.end_at <= scope.end_to)
        return where

    def _column(self, dimension: str) -> ColumnElement[Any] | QueryableAttribute[Any]:
        if dimension == "product":
            return TestRow.product_id
        if dimension == "test_type":
            return TestRow.testing_type
        if dimension == "month":
            return self._month(TestRow.end_at)
        if dimension == "feature":
            return BugRow.feature_id
        if dimension == "severity":
            return BugRow.severity
        if dimension == "platform":
            return func.coalesce(BugRow.operating_system, literal("unknown"))
        raise ValueError(f"No grouping dimension {dimension!r}.")

    def _month(self, column: Any) -> ColumnElement[Any]:
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            return func.to_char(column, "YYYY-MM")
        if dialect in ("mysql", "mariadb"):
            return func.date_format(column, "%Y-%m")
        return func.strftime(
            "%Y-%m", column
        )  # the cache stores naive UTC, so this is the UTC month

    async def test_ids(self, scope: AnalyticsScope) -> list[int]:
        """The ids of the tests in scope."""
        return list(await self.session.scalars(select(TestRow.id).where(*self._where(scope))))

    async def freshness(self, scope: AnalyticsScope) -> tuple[int, datetime | None]:
        """How many tests are in scope, and the oldest time their bugs were fetched."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(TestRow.bugs_synced_at)).where(*self._where(scope))
            )
        ).one()
        return int(row[0]), row[1]

    async def unfinished(self, scope: AnalyticsScope) -> list[ScopedTest]:
        """The tests in scope whose bugs were never fetched, or not completely."""
        rows = await self.session.execute(
            select(
                TestRow.id,
                TestRow.title,
                TestRow.status,
                TestRow.testing_type,
                TestRow.end_at,
                TestRow.bugs_synced_at,
                TestRow.bugs_complete,
            ).where(
                *self._where(scope),
                or_(TestRow.bugs_synced_at.is_(None), TestRow.bugs_complete.is_(False)),
            )
        )
        return [ScopedTest(*row) for row in rows]

    async def test_counts(
        self, scope: AnalyticsScope, dimensions: Sequence[str]
    ) -> list[tuple[Key, int]]:
        """Tests in scope per combination of test dimensions (product, test_type, month)."""
        columns = [self._column(d) for d in dimensions]
        rows = await self.session.execute(
            select(*columns, func.count()).where(*self._where(scope)).group_by(*columns)
        )
        return [(tuple(row[:-1]), int(row[-1])) for row in rows]

    async def bug_counts(
        self, scope: AnalyticsScope, dimensions: Sequence[str]
    ) -> list[KeyedBugCount]:
        """Bugs of the tests in scope per group and (status, auto_accepted, known)."""
        columns = [self._column(d) for d in dimensions]
        flags = [BugRow.status, BugRow.auto_accepted, BugRow.known]
        rows = await self.session.execute(
            select(*columns, *flags, func.count())
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*self._where(scope))
            .group_by(*columns, *flags)
        )
        width = len(columns)
        return [
            KeyedBugCount(
                tuple(row[:width]),
                row[width],
                row[width + 1],
                bool(row[width + 2]),
                int(row[width + 3]),
            )
            for row in rows
        ]

    async def bug_test_counts(
        self, scope: AnalyticsScope, dimensions: Sequence[str]
    ) -> list[tuple[Key, int]]:
        """Per group, how many tests in scope have at least one bug in it."""
        columns = [self._column(d) for d in dimensions]
        rows = await self.session.execute(
            select(*columns, func.count(BugRow.test_id.distinct()))
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*self._where(scope))
            .group_by(*columns)
        )
        return [(tuple(row[:-1]), int(row[-1])) for row in rows]

    async def feature_titles(self, feature_ids: Sequence[int]) -> dict[int, str]:
        """Catalogue titles of some features."""
        if not feature_ids:
            return {}
        rows = await self.session.execute(
            select(FeatureRow.id, FeatureRow.title).where(FeatureRow.id.in_(sorted(feature_ids)))
        )
        return {int(i): str(t) for i, t in rows}
