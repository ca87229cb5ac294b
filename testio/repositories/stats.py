"""Sizes and freshness of the whole cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import (
    BugRow,
    FeatureRow,
    MetaRow,
    ProblemRow,
    ProductRow,
    SyncEventRow,
    TestRow,
)


@attrs.frozen
class ProductCounts:
    """One product's cached tests and bugs, and when it was last synced completely."""

    id: int
    name: str
    tests: int
    bugs: int
    synced_at: datetime | None


@attrs.frozen
class CacheCounts:
    """Row counts of every table, the span of test end dates, and per-product counts."""

    schema_version: int | None
    products: int
    features: int
    tests: int
    bugs: int
    sync_events: int
    open_problems: int
    oldest_test_end_at: datetime | None
    newest_test_end_at: datetime | None
    per_product: tuple[ProductCounts, ...]


_SCHEMA_VERSION = select(MetaRow.value).where(MetaRow.key == "schema_version")


class StatsRepository:
    """Read-only SQL over the whole cache."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schema_version(self) -> int | None:
        """The schema version recorded in the cache."""
        value = await self.session.scalar(_SCHEMA_VERSION)
        return _as_version(value)

    async def server_database_size(self) -> int | None:
        """The bytes a database server reports for the cache (PostgreSQL), else None."""
        if self.session.get_bind().dialect.name != "postgresql":
            return None
        size = await self.session.scalar(select(func.pg_database_size(func.current_database())))
        return None if size is None else int(size)

    async def cache_counts(self) -> CacheCounts:
        """Row counts, the oldest and newest test end, and per-product tests, bugs, last sync.

        Two statements: the totals as scalar subqueries, and the products joined to their
        grouped test and bug counts.
        """

        def count(model: type[Any]) -> ScalarSelect[int]:
            return select(func.count()).select_from(model).scalar_subquery()

        totals = await self.session.execute(
            select(
                _SCHEMA_VERSION.scalar_subquery(),
                count(ProductRow),
                count(FeatureRow),
                count(TestRow),
                count(BugRow),
                count(SyncEventRow),
                select(func.count())
                .select_from(ProblemRow)
                .where(ProblemRow.resolved.is_(False))
                .scalar_subquery(),
                select(func.min(TestRow.end_at)).scalar_subquery(),
                select(func.max(TestRow.end_at)).scalar_subquery(),
            )
        )
        version, products, features, tests, bugs, events, problems, oldest, newest = totals.one()
        tests_of = (
            select(TestRow.product_id, func.count().label("n"))
            .group_by(TestRow.product_id)
            .subquery()
        )
        bugs_of = (
            select(BugRow.product_id, func.count().label("n"))
            .group_by(BugRow.product_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                ProductRow.id,
                ProductRow.name,
                ProductRow.synced_at,
                func.coalesce(tests_of.c.n, 0),
                func.coalesce(bugs_of.c.n, 0),
            )
            .outerjoin(tests_of, tests_of.c.product_id == ProductRow.id)
            .outerjoin(bugs_of, bugs_of.c.product_id == ProductRow.id)
            .order_by(ProductRow.id)
        )
        return CacheCounts(
            schema_version=_as_version(version),
            products=products,
            features=features,
            tests=tests,
            bugs=bugs,
            sync_events=events,
            open_problems=problems,
            oldest_test_end_at=oldest,
            newest_test_end_at=newest,
            per_product=tuple(
                ProductCounts(id=pid, name=name, tests=n_tests, bugs=n_bugs, synced_at=synced_at)
                for pid, name, synced_at, n_tests, n_bugs in rows
            ),
        )


def _as_version(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
