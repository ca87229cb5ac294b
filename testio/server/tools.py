"""The MCP tools: name, description for the model, schemas, annotations, and a thin handler.

Each handler enters one service and returns its attrs result; validation, error handling and
serialization happen once, in the server's dispatcher.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from testio.app import App
from testio.domain.products import ProductList
from testio.domain.reports import EbrReport
from testio.domain.stats import DatabaseStats, HealthReport, ProblemList, SyncHistory
from testio.domain.sync import SyncResult
from testio.domain.tests import TestList, TestStatusReport
from testio.lifecycle import TEST_STATUSES
from testio.serialize import schema_for

Progress = Callable[[float, float | None, str], Awaitable[None]]
Handler = Callable[[App, dict[str, Any], Progress], Awaitable[Any]]

PRODUCT_TYPES = [
    "website",
    "mobile_app_ios",
    "mobile_app_android",
    "mobile_app_windows",
    "streaming_app",
    "gaming",
]
TESTING_TYPES = ["coverage", "focused", "rapid", "usability", "external", "custom", "test_case"]
DATE_FORMS = (
    "YYYY-MM-DD, or a phrase: today, yesterday, last N days|weeks|months, "
    "this month|quarter|year, last month|quarter|year"
)
DATE: dict[str, Any] = {"type": "string", "maxLength": 40, "description": DATE_FORMS}
ID = {"type": "integer", "minimum": 1, "maximum": 2**53}
STATUSES = {
    "type": "array",
    "items": {"enum": list(TEST_STATUSES)},
    "uniqueItems": True,
    "maxItems": len(TEST_STATUSES),
    "description": "test statuses to include",
}


@attrs.frozen
class ToolSpec:
    """One tool as the server lists it, and the handler that answers it."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_type: type
    read_only: bool
    idempotent: bool
    open_world: bool
    handler: Handler
    destructive: bool = False

    @property
    def output_schema(self) -> dict[str, Any]:
        """Derived from the result type, so it always matches what the handler returns."""
        return schema_for(self.output_type)


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


async def health_check(app: App, args: dict[str, Any], progress: Progress) -> HealthReport:
    async with app.health() as svc:
        return await svc.health_check()


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


async def generate_ebr_report(app: App, args: dict[str, Any], progress: Progress) -> EbrReport:
    async with app.reports() as svc:
        return await svc.generate_ebr_report(
            args["product_id"],
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            statuses=args.get("statuses"),
            output_file=args.get("output_file"),
            format=args.get("format"),
            max_rows=args.get("max_rows", 50),
            progress=progress,
        )


async def get_database_stats(app: App, args: dict[str, Any], progress: Progress) -> DatabaseStats:
    async with app.stats() as svc:
        return await svc.get_database_stats()


async def get_sync_history(app: App, args: dict[str, Any], progress: Progress) -> SyncHistory:
    async with app.stats() as svc:
        return await svc.get_sync_history(limit=args.get("limit", 10))


async def get_problematic_tests(app: App, args: dict[str, Any], progress: Progress) -> ProblemList:
    async with app.stats() as svc:
        return await svc.get_problematic_tests(product_id=args.get("product_id"))


async def sync_data(app: App, args: dict[str, Any], progress: Progress) -> SyncResult:
    async with app.sync() as svc:
        return await svc.sync_now(
            args.get("product_ids"), full=args.get("full", False), progress=progress, wait=False
        )


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="health_check",
        title="Health check",
        description="Check that the TestIO API and the local cache answer: API latency and product "
        "count (or the error), database schema version, the last sync, open data problems.",
        input_schema=_object({}),
        output_type=HealthReport,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=health_check,
    ),
    ToolSpec(
        name="list_products",
        title="List products",
        description="List the account's TestIO products with their number of tests, bugs, last "
        "test end date and when each was synced. Start here to find a product_id.",
        input_schema=_object(
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
        input_schema=_object(
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
        input_schema=_object(
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
    ToolSpec(
        name="generate_ebr_report",
        title="Executive Business Review report",
        description="EBR report of one product: tests in scope (default: executed tests, "
        "optionally an end-date range), bugs by severity and triage bucket, acceptance, "
        "auto-acceptance, rejection and review rates with health, and per-test rows newest "
        "first. output_file writes the full report (json, csv or markdown) into the reports "
        "directory.",
        input_schema=_object(
            {
                "product_id": {**ID, "description": "the product's id (see list_products)"},
                "start_date": {
                    **DATE,
                    "description": "earliest test end date; " + DATE_FORMS,
                },
                "end_date": {**DATE, "description": "latest test end date; " + DATE_FORMS},
                "statuses": {
                    **STATUSES,
                    "description": "test statuses in scope (default: running, locked, archived)",
                },
                "output_file": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "a file name inside the reports directory, e.g. ebr-2025.md",
                },
                "format": {
                    "enum": ["json", "csv", "markdown"],
                    "description": "file format (default: from the file name's extension, else json)",
                },
                "max_rows": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 500,
                    "default": 50,
                    "description": "per-test rows returned inline (the file always has all)",
                },
            },
            ["product_id"],
        ),
        output_type=EbrReport,
        read_only=False,
        idempotent=True,
        open_world=True,
        handler=generate_ebr_report,
    ),
    ToolSpec(
        name="get_database_stats",
        title="Cache statistics",
        description="Size of the local cache: file size, row counts, per product tests, bugs and "
        "last sync, oldest and newest test end date.",
        input_schema=_object({}),
        output_type=DatabaseStats,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=get_database_stats,
    ),
    ToolSpec(
        name="get_sync_history",
        title="Sync history",
        description="Recent sync runs (status, duration, counts, errors) and a summary: runs by "
        "status (a partial run left some data unread; get_problematic_tests says which), "
        "success rate, mean duration, failures in the last hour.",
        input_schema=_object(
            {"limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}}
        ),
        output_type=SyncHistory,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=get_sync_history,
    ),
    ToolSpec(
        name="get_problematic_tests",
        title="Problematic tests",
        description="Data the API would not return: test-list ranges that fail upstream (with "
        "the neighbouring tests that bound them), bug batches that keep failing, and rejected "
        "items; and how to look them up.",
        input_schema=_object({"product_id": {**ID, "description": "only this product"}}),
        output_type=ProblemList,
        read_only=True,
        idempotent=True,
        open_world=False,
        handler=get_problematic_tests,
    ),
    ToolSpec(
        name="sync_data",
        title="Sync now",
        description="Fetch new and changed tests and bugs from TestIO into the cache now, with "
        "progress; full=true re-reads every page. Returns what changed and what is missing.",
        input_schema=_object(
            {
                "product_ids": {
                    "type": "array",
                    "items": ID,
                    "uniqueItems": True,
                    "maxItems": 500,
                    "description": "only these products (default: all)",
                },
                "full": {"type": "boolean", "default": False},
            }
        ),
        output_type=SyncResult,
        read_only=False,
        idempotent=True,
        open_world=True,
        handler=sync_data,
    ),
)
