"""Reading a product's catalogue: features and user stories, per section where the API needs it.

A product without sections answers one call each; a sectioned product answers 422 on the plain
features call and 500 on the plain user-stories call, so both are read section by section and
merged, a section that fails becoming a `features` problem while the others are kept.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from testio.client.listings import (
    Catalogue,
    Stories,
    parse_features,
    parse_user_stories,
    plain_catalogue,
    sectioned_catalogue,
    sectioned_stories,
)
from testio.client.payloads import Feature, Product, UserStory
from testio.client.recovery import Problem, gather
from testio.client.redaction import Redactor
from testio.client.responses import list_in
from testio.errors import (
    ApiValidationError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
)

logger = logging.getLogger("testio.client")

T = TypeVar("T")


class Get(Protocol):
    """The client's GET: a path, a parser of the JSON, and an optional query."""

    def __call__(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        query: Mapping[str, str | int] | None = None,
    ) -> Awaitable[T]: ...


class CatalogueReader:
    """Reads one product's features or user stories through the client's GET."""

    def __init__(self, get: Get, redact: Redactor) -> None:
        self._get = get
        self._redact = redact

    async def features(self, product: Product) -> tuple[Catalogue, list[Problem]]:
        """The product's feature catalogue, each feature with the section ids it appears in.

        A product without sections answers one call and its features carry no section ids;
        a sectioned product (or one whose plain call answers 422) is read per section.
        """
        if not product.has_sections:
            path = f"products/{product.id}/features"
            try:
                raws = await self._get(path, list_in("features"))
            except ApiValidationError as exc:
                if exc.status != 422:
                    raise
                logger.info(
                    "GET %s answered 422; reading product %d per section.", path, product.id
                )
            else:
                features, problems = parse_features(raws, path, product.id, self._redact)
                return plain_catalogue(features), problems
        return await self._features_by_section(product)

    async def user_stories(self, product: Product) -> tuple[Stories, list[Problem]]:
        """The product's user stories, each with the section ids it appears in.

        A product without sections answers one call; a sectioned product needs `section_id`
        (without it the API answers 500), so it is read per section, and a section that
        fails is a `features` problem while the others are kept.
        """
        if not product.has_sections:
            path = f"products/{product.id}/user_stories"
            raws = await self._get(path, list_in("user_stories"))
            stories, problems = parse_user_stories(raws, path, product.id, self._redact)
            unique: dict[int, UserStory] = {}
            for story in stories:
                unique.setdefault(story.id, story)
            return [(s, ()) for s in unique.values()], problems
        return await self._stories_by_section(product)

    async def _features_by_section(self, product: Product) -> tuple[Catalogue, list[Problem]]:
        async def one(section_id: int) -> tuple[list[Feature], list[Problem]]:
            path = f"products/{product.id}/sections/{section_id}/features"
            try:
                raws = await self._get(path, list_in("features"))
            except (
                NotFoundError,
                ForbiddenError,
                ApiValidationError,
                ServerError,
                MalformedResponseError,
            ) as exc:
                message = f"Skipped the features of section {section_id} because {exc}"
                logger.warning("%s", message)
                return [], [Problem(kind="features", product_id=product.id, message=message)]
            return parse_features(raws, path, product.id, self._redact)

        sections = product.section_ids
        if not sections:
            message = (
                f"Product {product.id} lists no section to read features from, so it has none."
            )
            return [], [Problem(kind="features", product_id=product.id, message=message)]
        results = await gather([functools.partial(one, sid) for sid in sections])
        return sectioned_catalogue(sections, results)

    async def _stories_by_section(self, product: Product) -> tuple[Stories, list[Problem]]:
        path = f"products/{product.id}/user_stories"

        async def one(section_id: int) -> tuple[list[UserStory], list[Problem]]:
            try:
                raws = await self._get(
                    path, list_in("user_stories"), query={"section_id": section_id}
                )
            except (
                NotFoundError,
                ForbiddenError,
                ApiValidationError,
                ServerError,
                MalformedResponseError,
            ) as exc:
                message = f"Skipped the user stories of section {section_id} because {exc}"
                logger.warning("%s", message)
                return [], [Problem(kind="features", product_id=product.id, message=message)]
            return parse_user_stories(raws, path, product.id, self._redact)

        sections = product.section_ids
        results = await gather([functools.partial(one, sid) for sid in sections])
        return sectioned_stories(sections, results)
