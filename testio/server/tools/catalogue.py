"""Tools for a product's catalogue: its features and its user stories."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.catalogue import FeatureList, UserStoryList
from testio.server.tools.spec import ID, Progress, ToolSpec, object_schema


def _catalogue_schema(what: str) -> dict[str, Any]:
    return object_schema(
        {
            "product_id": {**ID, "description": "the product's id (see list_products)"},
            "section_id": {
                **ID,
                "description": f"only the {what} of this section of a sectioned product",
            },
            "search": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "case-insensitive part of the title",
            },
            "page": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
        },
        ["product_id"],
    )


async def list_features(app: App, args: dict[str, Any], progress: Progress) -> FeatureList:
    async with app.catalogue() as svc:
        return await svc.list_features(
            args["product_id"],
            section_id=args.get("section_id"),
            search=args.get("search"),
            page=args.get("page", 1),
            per_page=args.get("per_page", 50),
        )


async def list_user_stories(app: App, args: dict[str, Any], progress: Progress) -> UserStoryList:
    async with app.catalogue() as svc:
        return await svc.list_user_stories(
            args["product_id"],
            section_id=args.get("section_id"),
            search=args.get("search"),
            page=args.get("page", 1),
            per_page=args.get("per_page", 50),
        )


CATALOGUE_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="list_features",
        title="List features of a product",
        description="List a product's catalogue features by title (optionally one section's), "
        "with their sections, user-story titles, and how many cached tests and bugs touched "
        "each; paginated (total and has_more).",
        input_schema=_catalogue_schema("features"),
        output_type=FeatureList,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=list_features,
    ),
    ToolSpec(
        name="list_user_stories",
        title="List user stories of a product",
        description="List a product's user stories by title (optionally one section's), each "
        "with the features that list it (the API links them by exact title only; ambiguous "
        "when titles repeat) and those features' test and bug counts; paginated.",
        input_schema=_catalogue_schema("user stories"),
        output_type=UserStoryList,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=list_user_stories,
    ),
)
