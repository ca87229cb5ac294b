"""A small service for lifecycle tests: it writes and reads products through the repositories."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
from sqlalchemy import func, select

from testio.cache.models import ProductRow
from testio.client.payloads import Product
from testio.services.base import BaseService

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class CatalogueService(BaseService):
    """A small service for lifecycle tests: writes and reads products through the repositories."""

    async def add_product(self, pid: int) -> None:
        """Write one product (committed when the block ends without error)."""
        product = Product(
            id=pid,
            name=f"P{pid}",
            type=None,
            description=None,
            default_section_id=None,
            sections=(),
            has_sections=False,
        )
        await self.repos.products.upsert([product], listed_at=self.now())

    async def add_then_fail(self, pid: int) -> None:
        """Write a product, then fail."""
        await self.add_product(pid)
        raise LookupError(f"failed after writing {pid}")

    async def add_then_wait(self, pid: int, started: anyio.Event) -> None:
        """Write a product, then wait forever (to be cancelled) with the connection in use."""
        await self.add_product(pid)
        started.set()
        await anyio.sleep_forever()

    async def count(self) -> int:
        """How many products are stored."""
        return (await self.session.scalar(select(func.count()).select_from(ProductRow))) or 0
