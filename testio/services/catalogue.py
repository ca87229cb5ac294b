"""The catalogue: a product's features and user stories, with how much testing touched them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from testio.cache.models import FeatureRow, ProductRow, UserStoryRow
from testio.domain.catalogue import FeatureList, FeatureSummary, UserStoryList, UserStorySummary
from testio.domain.common import DataWarning, Ref
from testio.errors import NotFoundInCacheError
from testio.services.base import BaseService

MAX_PER_PAGE = 200
T = TypeVar("T")


def _page(items: Sequence[T], page: int, per_page: int) -> tuple[Sequence[T], int, int]:
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    start = (page - 1) * per_page
    return items[start : start + per_page], page, per_page


def _matches(title: str, search: str | None) -> bool:
    return not search or search.casefold() in title.casefold()


class CatalogueService(BaseService):
    """Reads a product's features and user stories from the cache (synced with the features)."""

    async def _product(self, product_id: int, section_id: int | None) -> ProductRow:
        product = await self.cached_product(product_id)
        sections = [int(s["id"]) for s in product.sections]
        if section_id is not None and section_id not in sections:
            listed = ", ".join(str(s) for s in sections) or "none"
            raise NotFoundInCacheError(
                f"Product {product_id} has no section {section_id}; its sections are {listed}."
            )
        return product

    async def _warnings(self, product: ProductRow) -> list[DataWarning]:
        if product.features_synced_at is None and not await self.repos.features.count(product.id):
            return [
                DataWarning(
                    kind="never_synced",
                    message=f"The catalogue of product {product.id} has not been synced yet; "
                    "run sync_data.",
                )
            ]
        if await self.repos.problems.count_open(product.id, kind="features"):
            return [
                DataWarning(
                    kind="incomplete",
                    message=f"The last read of product {product.id}'s catalogue failed in part; "
                    "some features or user stories may be missing (see get_problematic_tests).",
                )
            ]
        return []

    def _in_section(
        self, product: ProductRow, section_ids: Sequence[int], wanted: int | None
    ) -> bool:
        # A product without sections lists its catalogue under its one default section.
        return wanted is None or not product.has_sections or wanted in section_ids

    async def list_features(
        self,
        product_id: int,
        *,
        section_id: int | None = None,
        search: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> FeatureList:
        """One page of the product's features by title, each with its test and bug counts."""
        product = await self._product(product_id, section_id)
        rows = [
            f
            for f in await self.repos.features.list_for_product(product_id)
            if self._in_section(product, f.section_ids, section_id) and _matches(f.title, search)
        ]
        usage = await self.repos.features.usage(product_id)
        shown, page, per_page = _page(rows, page, per_page)
        return FeatureList(
            product=Ref(product.id, product.name),
            section_id=section_id,
            features=tuple(_feature(f, usage.get(f.id, (0, 0))) for f in shown),
            total=len(rows),
            page=page,
            per_page=per_page,
            has_more=page * per_page < len(rows),
            data_as_of=product.features_synced_at,
            warnings=tuple(await self._warnings(product)),
        )

    async def list_user_stories(
        self,
        product_id: int,
        *,
        section_id: int | None = None,
        search: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> UserStoryList:
        """One page of the product's user stories by title, each with the features listing it."""
        product = await self._product(product_id, section_id)
        stories = await self.repos.user_stories.list_for_product(product_id)
        features = await self.repos.features.list_for_product(product_id)
        by_title: dict[str, list[FeatureRow]] = {}
        for feature in features:
            for title in dict.fromkeys(str(t) for t in feature.user_stories):
                by_title.setdefault(title, []).append(feature)
        title_counts: dict[str, int] = {}
        for story in stories:
            title_counts[story.title] = title_counts.get(story.title, 0) + 1
        rows = [
            s
            for s in stories
            if self._in_section(product, s.section_ids, section_id) and _matches(s.title, search)
        ]
        usage = await self.repos.features.usage(product_id)
        shown, page, per_page = _page(rows, page, per_page)
        return UserStoryList(
            product=Ref(product.id, product.name),
            section_id=section_id,
            user_stories=tuple(
                _story(s, by_title.get(s.title, []), title_counts[s.title] > 1, usage)
                for s in shown
            ),
            total=len(rows),
            page=page,
            per_page=per_page,
            has_more=page * per_page < len(rows),
            data_as_of=product.features_synced_at,
            warnings=tuple(await self._warnings(product)),
        )


def _feature(row: FeatureRow, usage: tuple[int, int]) -> FeatureSummary:
    return FeatureSummary(
        id=row.id,
        title=row.title,
        description=row.description,
        howtofind=row.howtofind,
        section_ids=tuple(int(s) for s in row.section_ids),
        user_stories=tuple(str(s) for s in row.user_stories),
        test_count=usage[0],
        bug_count=usage[1],
    )


def _story(
    row: UserStoryRow,
    features: Sequence[FeatureRow],
    ambiguous: bool,
    usage: dict[int, tuple[int, int]],
) -> UserStorySummary:
    return UserStorySummary(
        id=row.id,
        title=row.title,
        section_ids=tuple(int(s) for s in row.section_ids),
        features=tuple(Ref(f.id, f.title) for f in features),
        ambiguous=ambiguous,
        test_count=sum(usage.get(f.id, (0, 0))[0] for f in features),
        bug_count=sum(usage.get(f.id, (0, 0))[1] for f in features),
    )
