"""The user stories of each product (linked to features only by title, at read time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import UserStoryRow, table_of
from testio.client.payloads import UserStory
from testio.repositories.upsert import upsert_rows


class UserStoryRepository:
    """SQL over the user_stories table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def replace_for_product(
        self,
        product_id: int,
        stories: Sequence[tuple[UserStory, Sequence[int]]],
        *,
        synced_at: datetime,
        delete_missing: bool = True,
    ) -> int:
        """Make the product's cached stories exactly `stories` (with their section ids).

        Returns how many were removed because the API no longer lists them;
        `delete_missing=False` only adds and updates (for a partly failed read).
        """
        rows = [
            {
                "id": s.id,
                "product_id": product_id,
                "title": s.title,
                "section_ids": sorted(set(section_ids)),
                "synced_at": synced_at,
            }
            for s, section_ids in stories
        ]
        await upsert_rows(self.session, table_of(UserStoryRow), rows)
        if not delete_missing:
            return 0
        keep = [s.id for s, _ in stories]
        result = await self.session.execute(
            delete(table_of(UserStoryRow)).where(
                UserStoryRow.product_id == product_id, UserStoryRow.id.not_in(keep)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def list_for_product(
        self, product_id: int, *, section_id: int | None = None
    ) -> list[UserStoryRow]:
        """The product's stories by title (then id); `section_id` keeps one section's."""
        rows = await self.session.scalars(
            select(UserStoryRow)
            .where(UserStoryRow.product_id == product_id)
            .order_by(UserStoryRow.title, UserStoryRow.id)
        )
        stories = list(rows)
        if section_id is None:
            return stories
        return [s for s in stories if section_id in s.section_ids]

    async def count(self, product_id: int | None = None) -> int:
        """How many stories are cached (for one product, or all)."""
        stmt = select(func.count()).select_from(UserStoryRow)
        if product_id is not None:
            stmt = stmt.where(UserStoryRow.product_id == product_id)
        return (await self.session.scalar(stmt)) or 0
