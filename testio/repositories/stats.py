"""Sizes and freshness of the whole cache."""

from __future__ import annotations

from datetime import datetime

import attrs
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.models import (
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


class StatsRepository:
    """Read-only SQL over the whole cache."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schema_version(self) -> int | None:
        """The schema version recorded in the cache."""
        value = await self.session.scalar(
            select(MetaRow.value).where(MetaRow.key == "schema_version")
        )
        try:
            return None if value is None else int(value)
        except ValueError:
            return None

    async def cache_counts(self) -> CacheCounts:
        """Row counts, the oldest and newest test end, and per-product tests, bugs, last sync."""

        async def count(model: type[ProductRow | FeatureRow | BugRow | SyncEventRow]) -> int:
            return (await self.session.scalar(select(func.count()).select_from(model))) or 0

        span = await self.session.execute(
            select(func.count(), func.min(TestRow.end_at), func.max(TestRow.end_at))
        )
        tests, oldest, newest = span.one()
        open_problems = await self.session.scalar(
            select(func.count()).select_from(ProblemRow).where(ProblemRow.resolved.is_(False))
        )
        test_counts = dict(
            (
                await self.session.execute(
                    select(TestRow.product_id, func.count()).group_by(TestRow.product_id)
                )
            ).all()
        )
        bug_counts = dict(
            (
                await self.session.execute(
                    select(BugRow.product_id, func.count()).group_by(BugRow.product_id)
                )
            ).all()
        )
        products = await self.session.execute(
            select(ProductRow.id, ProductRow.name, ProductRow.synced_at).order_by(ProductRow.id)
        )
        per_product = tuple(
            ProductCounts(
                id=pid,
                name=name,
                tests=test_counts.get(pid, 0),
                bugs=bug_counts.get(pid, 0),
                synced_at=synced_at,
            )
            for pid, name, synced_at in products
        )
        return CacheCounts(
            schema_version=await self.schema_version(),
            products=await count(ProductRow),
            features=await count(FeatureRow),
            tests=tests,
            bugs=await count(BugRow),
            sync_events=await count(SyncEventRow),
            open_problems=open_problems or 0,
            oldest_test_end_at=oldest,
            newest_test_end_at=newest,
            per_product=per_product,
        )
