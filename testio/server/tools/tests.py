"""Tools for products and their tests: what ran, and how its bugs stand."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.products import ProductList
from testio.domain.tests import TestList, TestStatusReport
from testio.server.tools.spec import (
    DATE,
    DATE_FORMS,
    ID,
    PRODUCT_TYPES,
    STATUSES,
    TESTING_TYPES,
    Progress,
    ToolSpec,
    object_schema,
)


async def list_products(app: App, args: dict[str, Any], progress: Progress) -> ProductList:
    async with app.products() as svc:
        return await svc.list_products(
            search=args.get("search"), product_type=args.get("product_type")
        )


async def list_tests(app: App, args: dict[str, Any], progress: Progress) -> TestList:
    async with app.tests() as svc:
        return await svc.list_tests(
            args["product_id"],
            statuses=args.get("statuses"),
            testing_types=args.get("testing_types"),
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            page=args.get("page", 1),
            per_page=args.get("per_page", 50),
        )


async def get_test_status(app: App, args: dict[str, Any], progress: Progress) -> TestStatusReport:
    async with app.tests() as svc:
        return await svc.get_test_status(args["test_id"], recent=args.get("recent_bugs", 10))


TEST_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="list_products",
        title="List products",
        description="List the account's TestIO products with their number of tests, bugs, last "
        "test end date and when each was synced. Start here to find a product_id.",
        input_schema=object_schema(
            {
                "search": {
                    "type": "string",
                    "maxLength": 200,
                    "description": "case-insensitive part of the product name",
                },
                "product_type": {"enum": PRODUCT_TYPES, "description": "only this product type"},
            }
        ),
        output_type=ProductList,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=list_products,
    ),
    ToolSpec(
        name="list_tests",
        title="List tests of a product",
        description="List a product's tests newest first (by end date), filtered by status, "
        "testing type and end-date range, with bug counts; paginated (total and has_more).",
        input_schema=object_schema(
            {
                "product_id": {**ID, "description": "the product's id (see list_products)"},
                "statuses": STATUSES,
                "testing_types": {
                    "type": "array",
                    "items": {"enum": TESTING_TYPES},
                    "uniqueItems": True,
                    "maxItems": len(TESTING_TYPES),
                    "description": "testing types to include",
                },
                "start_date": {**DATE, "description": "earliest end date; " + DATE_FORMS},
                "end_date": {**DATE, "description": "latest end date; " + DATE_FORMS},
                "page": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
            },
            ["product_id"],
        ),
        output_type=TestList,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=list_tests,
    ),
    ToolSpec(
        name="get_test_status",
        title="Test status and bugs",
        description="One test's status, review status, type, dates, features and environment, "
        "with its bugs by severity and by triage bucket, acceptance/rejection rates, health, and "
        "the most recent bugs. Refreshes the bugs first if the test is still changing.",
        input_schema=object_schema(
            {
                "test_id": {**ID, "description": "the test's id (see list_tests)"},
                "recent_bugs": {"type": "integer", "minimum": 0, "maximum": 100, "default": 10},
            },
            ["test_id"],
        ),
        output_type=TestStatusReport,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=get_test_status,
    ),
)
