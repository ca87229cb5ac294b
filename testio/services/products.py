"""Products: the account's products from the cache, fetched when the cache has none."""

from __future__ import annotations

from testio.domain.common import DataWarning
from testio.domain.products import ProductList, ProductSummary
from testio.services.base import BaseService


class ProductService(BaseService):
    """Reads products from the cache."""

    async def list_products(
        self, *, search: str | None = None, product_type: str | None = None
    ) -> ProductList:
        """Products with their test and bug counts, filtered by name part and type."""
        warnings: list[DataWarning] = []
        listings = await self.repos.products.list_with_counts()
        if not listings and self.has_client:
            products, _ = await self.client.list_products()
            await self.repos.products.upsert(products, listed_at=self.now())
            await self.session.flush()
            listings = await self.repos.products.list_with_counts()
            warnings.append(
                DataWarning(
                    kind="never_synced",
                    message="The cache had no products yet; these come straight from the API and "
                    "have no tests cached until a sync runs (sync_data).",
                )
            )
        needle = search.casefold().strip() if search else None
        rows = [
            ProductSummary(
                id=item.product.id,
                name=item.product.name,
                type=item.product.type,
                has_sections=item.product.has_sections,
                test_count=item.test_count,
                bug_count=item.bug_count,
                last_test_end_at=item.last_test_end_at,
                synced_at=item.product.synced_at,
            )
            for item in listings
            if (needle is None or needle in item.product.name.casefold())
            and (product_type is None or item.product.type == product_type)
        ]
        synced = [r.synced_at for r in rows if r.synced_at is not None]
        return ProductList(
            products=tuple(rows),
            total=len(rows),
            data_as_of=min(synced) if synced else None,
            warnings=tuple(warnings),
        )
