"""Products as cached, with their per-product freshness and counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, ProductRow, TestRow, table_of
from testio.client.payloads import Product
from testio.repositories.upsert import upsert_rows


@attrs.frozen
class ProductListing:
    """A cached product with its test and bug counts and the end of its newest test."""

    product: ProductRow
    test_count: int
    bug_count: int
    last_test_end_at: datetime | None


class ProductRepository:
    """SQL over the products table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, products: Sequence[Product], *, listed_at: datetime) -> None:
        """Insert or update products as the product list returned them."""
        rows = [
            {
                "id": p.id,
                "name": p.name,
                "type": p.type,
                "description": p.description,
                "default_section_id": p.default_section_id,
                "has_sections": p.has_sections,
                "sections": [{"id": s.id, "name": s.name} for s in p.sections],
                "listed_at": listed_at,
            }
            for p in products
        ]
        await upsert_rows(self.session, table_of(ProductRow), rows)

    async def get(self, product_id: int) -> ProductRow | None:
        """One product, or None."""
        return await self.session.get(ProductRow, product_id)

    async def list_all(self) -> list[ProductRow]:
        """Every cached product, by id."""
        result = await self.session.scalars(select(ProductRow).order_by(ProductRow.id))
        return list(result)

    async def list_with_counts(self) -> list[ProductListing]:
        """Every cached product with its test count, bug count and newest test end, by id."""
        tests = (
            select(
                TestRow.product_id.label("pid"),
                func.count().label("n"),
                func.max(TestRow.end_at).label("last_end"),
            )
            .group_by(TestRow.product_id)
            .subquery()
        )
        bugs = (
            select(BugRow.product_id.label("pid"), func.count().label("n"))
            .group_by(BugRow.product_id)
            .subquery()
        )
        stmt = (
            select(ProductRow, tests.c.n, bugs.c.n, tests.c.last_end)
            .outerjoin(tests, tests.c.pid == ProductRow.id)
            .outerjoin(bugs, bugs.c.pid == ProductRow.id)
            .order_by(ProductRow.id)
        )
        rows = await self.session.execute(stmt)
        listings: list[ProductListing] = []
        for product, test_count, bug_count, last_end in rows:
            listings.append(
                ProductListing(
                    product=product,
                    test_count=test_count or 0,
                    bug_count=bug_count or 0,
                    last_test_end_at=last_end,
                )
            )
        return listings

    async def mark_features_synced(self, product_id: int, at: datetime) -> None:
        """Record that the product's features were just replaced."""
        await self._set(product_id, features_synced_at=at)

    async def mark_tests_discovered(self, product_id: int, *, sync_id: int, at: datetime) -> None:
        """Record that a sync read the product's test list to its stop point."""
        await self._set(product_id, tests_synced_at=at, tests_sync_id=sync_id)

    async def require_full_read(self, product_id: int) -> None:
        """Make the next sync read the product's whole test list (a page of it failed)."""
        await self._set(product_id, tests_sync_id=None)

    async def mark_synced(self, product_id: int, at: datetime) -> None:
        """Record that a sync brought the product completely up to date."""
        await self._set(product_id, synced_at=at)

    async def _set(self, product_id: int, **values: object) -> None:
        await self.session.execute(
            update(table_of(ProductRow)).where(ProductRow.id == product_id).values(**values)
        )
