"""Tools about the server itself: health, the cache, its sync history, missing data, syncing now."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.stats import DatabaseStats, HealthReport, ProblemList, SyncHistory
from testio.domain.sync import SyncResult
from testio.server.tools.spec import ID, Progress, ToolSpec, object_schema


async def health_check(app: App, args: dict[str, Any], progress: Progress) -> HealthReport:
    async with app.health() as svc:
        return await svc.health_check()


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


CACHE_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="health_check",
        title="Health check",
        description="Check that the TestIO API and the local cache answer: API latency and product "
        "count (or the error), database schema version, the last sync, open data problems.",
        input_schema=object_schema({}),
        output_type=HealthReport,
        read_only=True,
        idempotent=True,
        open_world=True,
        handler=health_check,
    ),
    ToolSpec(
        name="get_database_stats",
        title="Cache statistics",
        description="Size of the local cache: file size, row counts, per product tests, bugs and "
        "last sync, oldest and newest test end date.",
        input_schema=object_schema({}),
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
        input_schema=object_schema(
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
        input_schema=object_schema({"product_id": {**ID, "description": "only this product"}}),
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
        input_schema=object_schema(
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
