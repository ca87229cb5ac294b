"""The grouped metrics tool."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.analytics import DIMENSIONS, SORT_KEYS, MetricsReport
from testio.server.tools.spec import (
    DATE,
    DATE_FORMS,
    ID,
    STATUSES,
    Progress,
    ToolSpec,
    object_schema,
)


async def query_metrics(app: App, args: dict[str, Any], progress: Progress) -> MetricsReport:
    async with app.analytics() as svc:
        return await svc.query_metrics(
            args["group_by"],
            product_ids=args.get("product_ids"),
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            statuses=args.get("statuses"),
            sort_by=args.get("sort_by", "bugs"),
            order=args.get("order"),
            limit=args.get("limit", 100),
            progress=progress,
        )


ANALYTICS_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="query_metrics",
        title="Metrics by product, feature, severity, test type, platform or month",
        description="Bug and test counts, the five rates (active acceptance, overall acceptance, "
        "auto acceptance, rejection, review) and their health, grouped by one to three of: "
        "product, feature, severity, test_type, platform (the OS of the bug's first device), "
        "month (of the test's end, UTC). Same scope as generate_ebr_report (default: executed "
        "tests of every product, optionally an end-date range); grouping by product gives each "
        "product's EBR numbers. A group's `tests`: with only product, test_type and month it "
        "counts every test in scope in the group (also tests without bugs); with feature, "
        "severity or platform it counts the tests that have at least one bug in the group. "
        "Bugs without a feature form the group 'no feature'; bugs without a device 'unknown'.",
        input_schema=object_schema(
            {
                "group_by": {
                    "type": "array",
                    "items": {"enum": list(DIMENSIONS)},
                    "minItems": 1,
                    "maxItems": 3,
                    "uniqueItems": True,
                    "description": 'one to three dimensions, e.g. ["product", "severity"]',
                },
                "product_ids": {
                    "type": "array",
                    "items": ID,
                    "minItems": 1,
                    "maxItems": 100,
                    "uniqueItems": True,
                    "description": "only these products (default: every product; see list_products)",
                },
                "start_date": {**DATE, "description": "earliest test end date; " + DATE_FORMS},
                "end_date": {**DATE, "description": "latest test end date; " + DATE_FORMS},
                "statuses": {
                    **STATUSES,
                    "description": "test statuses in scope (default: running, locked, archived)",
                },
                "sort_by": {
                    "enum": list(SORT_KEYS),
                    "default": "bugs",
                    "description": "order groups by bug count, test count, group name or a rate "
                    "(groups whose rate is null come last)",
                },
                "order": {
                    "enum": ["asc", "desc"],
                    "description": "default: asc for group, desc otherwise",
                },
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1000,
                    "default": 100,
                    "description": "groups returned (groups_total says how many there are)",
                },
            },
            ["group_by"],
        ),
        output_type=MetricsReport,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=query_metrics,
    ),
)
