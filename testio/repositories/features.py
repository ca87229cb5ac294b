"""The feature catalogue of each product."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, FeatureRow, TestRow, table_of
from testio.client.payloads import Feature
from testio.repositories.upsert import upsert_rows


class FeatureRepository:
    """SQL over the features table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace_for_product(
        self,
        product_id: int,
        features: Sequence[tuple[Feature, Sequence[int]]],
        *,
        synced_at: datetime,
        delete_missing: bool = True,
    ) -> int:
        """Make the product's cached catalogue exactly `features` (with their section ids).

        Returns how many features were removed because the API no longer lists them.
        `delete_missing=False` only adds and updates (for a partly failed read).
        """
        rows = [
            {
                "id": f.id,
                "product_id": product_id,
                "title": f.title,
                "description": f.description,
                "howtofind": f.howtofind,
                "user_stories": list(f.user_stories),
                "section_ids": sorted(set(section_ids)),
                "synced_at": synced_at,
            }
            for f, section_ids in features
        ]
        await upsert_rows(self.session, table_of(FeatureRow), rows)
        if not delete_missing:
            return 0
        keep = [f.id for f, _ in features]
        result = await self.session.execute(
            delete(table_of(FeatureRow)).where(
                FeatureRow.product_id == product_id, FeatureRow.id.not_in(keep)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def get(self, feature_id: int) -> FeatureRow | None:
        """One feature, or None."""
        return await self.session.get(FeatureRow, feature_id)

    async def list_for_product(self, product_id: int) -> list[FeatureRow]:
        """The product's features, by title."""
        result = await self.session.scalars(
            select(FeatureRow)
            .where(FeatureRow.product_id == product_id)
            .order_by(FeatureRow.title, FeatureRow.id)
        )
        return list(result)

    async def usage(self, product_id: int) -> dict[int, tuple[int, int]]:
        """Per feature id of the product's tests and bugs: (tests that had it, bugs against it).

        A test's features are a JSON list, so they are counted here rather than in SQL (which
        would need each database's own JSON functions); a product has at most a few thousand.
        """
        tests: dict[int, int] = {}
        for (features,) in await self.session.execute(
            select(TestRow.features).where(TestRow.product_id == product_id)
        ):
            ids = {int(f["feature_id"]) for f in features or () if f.get("feature_id") is not None}
            for fid in ids:
                tests[fid] = tests.get(fid, 0) + 1
        bugs: dict[int, int] = {}
        for fid, n in await self.session.execute(
            select(BugRow.feature_id, func.count())
            .where(BugRow.product_id == product_id, BugRow.feature_id.is_not(None))
            .group_by(BugRow.feature_id)
        ):
            if fid is not None:
                bugs[fid] = int(n)
        return {fid: (tests.get(fid, 0), bugs.get(fid, 0)) for fid in {*tests, *bugs}}

    async def count(self, product_id: int | None = None) -> int:
        """How many features are cached (for one product, or all)."""
        stmt = select(func.count()).select_from(FeatureRow)
        if product_id is not None:
            stmt = stmt.where(FeatureRow.product_id == product_id)
        return (await self.session.scalar(stmt)) or 0
