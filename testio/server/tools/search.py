"""The search tool: ranked full-text matches over the cached tests, bugs, features and stories."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.search import SEARCH_KINDS, SearchResults
from testio.server.tools.spec import ID, Progress, ToolSpec, object_schema


async def search(app: App, args: dict[str, Any], progress: Progress) -> SearchResults:
    async with app.search() as svc:
        return await svc.search(
            args["query"],
            kinds=args.get("kinds"),
            product_id=args.get("product_id"),
            limit=args.get("limit", 20),
            syntax=args.get("syntax", "words"),
        )


SEARCH_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="search",
        title="Search the cache",
        description="Full-text search over the cached tests (title, goal), bugs (title, steps, "
        "expected and actual result), features and user stories: the best matches first, each "
        "with a snippet. By default every word must appear (word* matches any ending); "
        'syntax="fts5" allows "phrases", AND, OR, NOT and NEAR.',
        input_schema=object_schema(
            {
                "query": {"type": "string", "minLength": 1, "maxLength": 400},
                "kinds": {
                    "type": "array",
                    "items": {"enum": list(SEARCH_KINDS)},
                    "uniqueItems": True,
                    "minItems": 1,
                    "maxItems": len(SEARCH_KINDS),
                    "description": "what to search (default: all)",
                },
                "product_id": {**ID, "description": "only this product"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
                "syntax": {"enum": ["words", "fts5"], "default": "words"},
            },
            ["query"],
        ),
        output_type=SearchResults,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=search,
    ),
)
