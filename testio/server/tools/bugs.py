"""Tools for bugs: filtered lists across tests or a product, and one bug in full."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.bugs import BUG_SORTS, BugDetail, BugList
from testio.metrics import BUCKETS
from testio.server.tools.spec import DATE, DATE_FORMS, ID, Progress, ToolSpec, object_schema

SEVERITIES = ["critical", "high", "low", "visual", "content", "custom"]


def _text(description: str, max_length: int = 100) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


async def list_bugs(app: App, args: dict[str, Any], progress: Progress) -> BugList:
    async with app.bugs() as svc:
        return await svc.list_bugs(
            test_ids=args.get("test_ids"),
            product_id=args.get("product_id"),
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            severities=args.get("severities"),
            buckets=args.get("buckets"),
            known=args.get("known"),
            operating_system=args.get("operating_system"),
            device=args.get("device"),
            browser=args.get("browser"),
            text=args.get("text"),
            sort=args.get("sort", "newest"),
            page=args.get("page", 1),
            per_page=args.get("per_page", 50),
        )


async def get_bug(app: App, args: dict[str, Any], progress: Progress) -> BugDetail:
    async with app.bugs() as svc:
        return await svc.get_bug(args["bug_id"])


BUG_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="list_bugs",
        title="List bugs",
        description="List the bugs of one or more tests, or of a product's tests (a date range "
        "selects tests by end date, as reports do), filtered by severity, triage bucket, known "
        "flag, operating system, device, browser and text; sorted; paginated (exact total and "
        "has_more). Refreshes the bugs of still-changing tests first.",
        input_schema=object_schema(
            {
                "test_ids": {
                    "type": "array",
                    "items": ID,
                    "minItems": 1,
                    "maxItems": 500,
                    "uniqueItems": True,
                    "description": "the tests' ids (see list_tests); or give product_id",
                },
                "product_id": {**ID, "description": "the product's id (see list_products)"},
                "start_date": {**DATE, "description": "earliest test end date; " + DATE_FORMS},
                "end_date": {**DATE, "description": "latest test end date; " + DATE_FORMS},
                "severities": {
                    "type": "array",
                    "items": {"enum": SEVERITIES},
                    "uniqueItems": True,
                    "maxItems": len(SEVERITIES),
                    "description": "severities (functional) or bug types to include",
                },
                "buckets": {
                    "type": "array",
                    "items": {"enum": list(BUCKETS)},
                    "uniqueItems": True,
                    "maxItems": len(BUCKETS),
                    "description": "triage buckets to include (see the metric definitions)",
                },
                "known": {"type": "boolean", "description": "only known (or only not known) bugs"},
                "operating_system": _text("part of the OS name, e.g. android"),
                "device": _text("part of the device name, e.g. iphone"),
                "browser": _text("part of a browser name, e.g. chrome"),
                "text": _text("part of the title, steps, expected or actual result", 200),
                "sort": {"enum": list(BUG_SORTS), "default": "newest"},
                "page": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            }
        ),
        output_type=BugList,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=list_bugs,
    ),
    ToolSpec(
        name="get_bug",
        title="One bug in full",
        description="One bug in full: steps, expected and actual result, severity, triage "
        "bucket, device and test environment, attachment URLs, comments, and the rejection "
        "reason parsed into the API's standard reasons. Refreshes it first if its test is "
        "still changing.",
        input_schema=object_schema(
            {"bug_id": {**ID, "description": "the bug's id (see list_bugs)"}}, ["bug_id"]
        ),
        output_type=BugDetail,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=get_bug,
    ),
)
