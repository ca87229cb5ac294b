"""The `testio serve` figures: start-up, warm tool calls, API requests of a cached test, reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio
import attrs
from mcp import Client

from benchmarks.measure import median, percentile
from benchmarks.sandbox_process import SandboxProcess
from benchmarks.stdio_server import call, connect, server_log, startup_seconds, tail, time_calls
from benchmarks.table import Figure
from benchmarks.truth import Account, TruthProduct, one_year_to

STARTUP = "serve start-up to tools/list"
WARM_TOOLS = ("list_products", "list_tests", "get_test_status", "get_database_stats")
WARM = tuple(f"{tool} warm {stat}" for tool in WARM_TOOLS for stat in ("median", "p99"))
CACHED_REQUESTS = "get_test_status API requests"
REPORT_MEDIUM = "generate_ebr_report, 1 year, medium"
REPORT_LARGE = "generate_ebr_report, whole history, large"
METRICS_LARGE = "query_metrics, whole history, large"
MULTI_REPORT_LARGE = "generate_ebr_report, every product, large"

SERVE_FIGURES = (*WARM, CACHED_REQUESTS, REPORT_MEDIUM)

T = TypeVar("T")


@attrs.frozen
class Counts:
    """How many calls each measurement makes (the defaults are the full run's)."""

    spawns: int = 5
    warmup: int = 20
    calls: int = 200
    report_warmup: int = 5
    report_calls: int = 30


def _with_server(env: Mapping[str, str], body: Callable[[Client], Awaitable[T]]) -> T:
    """Run `body` against one freshly spawned server; a failure carries the server's stderr."""

    async def session() -> T:
        with server_log() as errlog:
            try:
                async with connect(env, errlog) as client:
                    return await body(client)
            except Exception as exc:
                raise RuntimeError(f"{exc}; server stderr:\n{tail(errlog)}") from exc

    return anyio.run(session)


def startup_figure(env: Mapping[str, str], spawns: int) -> Figure:
    """Median time from spawning `testio serve` to its `tools/list` answer."""

    async def measure() -> list[float]:
        with server_log() as errlog:
            try:
                return [await startup_seconds(env, errlog) for _ in range(spawns)]
            except Exception as exc:
                raise RuntimeError(f"{exc}; server stderr:\n{tail(errlog)}") from exc

    seconds = anyio.run(measure)
    return Figure(
        STARTUP,
        median(seconds),
        "s",
        0.5,
        f"median of {len(seconds)} spawns of `python -m testio serve`, legacy mode: "
        + ", ".join(f"{s:.2f}" for s in seconds),
    )


def warm_figures(
    sandbox: SandboxProcess, env: Mapping[str, str], account: Account, counts: Counts
) -> list[Figure]:
    """Warm calls of the four quick tools and the one-year report, over one connection."""
    product = account.biggest_product()
    archived = account.archived_test_with_bugs()
    arguments: dict[str, dict[str, Any]] = {
        "list_products": {},
        "list_tests": {"product_id": product.id},
        "get_test_status": {"test_id": archived.id},
        "get_database_stats": {},
    }
    report_args = _year_report(product)
    figures: list[Figure] = []

    async def body(client: Client) -> None:
        for tool in WARM_TOOLS:
            if tool == "get_test_status":
                sandbox.reset_counters()
            timing = await time_calls(
                client, tool, arguments[tool], warmup=counts.warmup, calls=counts.calls
            )
            ms = timing.ms
            note = f"{len(ms)} calls after {counts.warmup} warm-up, {arguments[tool]}"
            figures.append(Figure(f"{tool} warm median", median(ms), "ms", 10.0, note))
            figures.append(Figure(f"{tool} warm p99", percentile(ms, 0.99), "ms", 30.0))
            if tool == "get_test_status":
                figures.append(
                    Figure(
                        CACHED_REQUESTS,
                        sum(sandbox.counters().values()),
                        "requests",
                        0,
                        f"sandbox counters over {counts.warmup + counts.calls} calls on "
                        f"archived test {archived.id} ({archived.bugs} bugs)",
                    )
                )
        report = await time_calls(
            client,
            "generate_ebr_report",
            report_args,
            warmup=counts.report_warmup,
            calls=counts.report_calls,
        )
        sample = await call(client, "generate_ebr_report", report_args)
        figures.append(
            Figure(
                REPORT_MEDIUM,
                median(report.ms),
                "ms",
                50.0,
                f"median of {len(report.ms)} warm calls (p99 {percentile(report.ms, 0.99):.1f} "
                f"ms) on {product.name} ({product.id}), {report_args.get('start_date')}.."
                f"{report_args.get('end_date')}: {sample.get('tests_in_scope')} tests in scope",
            )
        )

    _with_server(env, body)
    return figures


def large_report_figure(env: Mapping[str, str], product: TruthProduct, calls: int) -> Figure:
    """Warm report over the whole history of the biggest product of the large sandbox."""
    arguments: dict[str, Any] = {"product_id": product.id}

    async def body(client: Client) -> Figure:
        timing = await time_calls(client, "generate_ebr_report", arguments, warmup=2, calls=calls)
        sample = await call(client, "generate_ebr_report", arguments)
        return Figure(
            REPORT_LARGE,
            median(timing.ms),
            "ms",
            500.0,
            f"median of {len(timing.ms)} warm calls (max {max(timing.ms):.0f} ms) on "
            f"{product.name} ({product.id}, {len(product.tests):,} tests, {product.bugs:,} "
            f"bugs): {sample.get('tests_in_scope')} tests in scope",
        )

    return _with_server(env, body)


def _year_report(product: TruthProduct) -> dict[str, Any]:
    """Arguments of the report over the year ending at the product's newest test end."""
    newest = product.newest_end
    if newest is None:
        return {"product_id": product.id}
    start, end = one_year_to(newest)
    return {"product_id": product.id, "start_date": start, "end_date": end}


def large_analytics_figures(
    env: Mapping[str, str], product_ids: list[int], calls: int
) -> list[Figure]:
    """Warm grouped metrics over every product's whole history, and the every-product EBR."""
    metrics_args: dict[str, Any] = {"group_by": ["product", "severity"], "limit": 1000}
    report_args: dict[str, Any] = {"product_ids": product_ids, "max_rows": 0}

    async def body(client: Client) -> list[Figure]:
        grouped = await time_calls(client, "query_metrics", metrics_args, warmup=2, calls=calls)
        sample = await call(client, "query_metrics", metrics_args)
        multi = await time_calls(client, "generate_ebr_report", report_args, warmup=1, calls=calls)
        report = await call(client, "generate_ebr_report", report_args)
        return [
            Figure(
                METRICS_LARGE,
                median(grouped.ms),
                "ms",
                500.0,
                f"median of {len(grouped.ms)} warm calls (max {max(grouped.ms):.0f} ms), "
                f"{metrics_args['group_by']}: {sample.get('groups_total')} groups over "
                f"{sample.get('tests_in_scope'):,} tests",
            ),
            Figure(
                MULTI_REPORT_LARGE,
                median(multi.ms),
                "ms",
                1500.0,
                f"median of {len(multi.ms)} warm calls (max {max(multi.ms):.0f} ms) on all "
                f"{len(product_ids)} products: {report.get('tests_in_scope'):,} tests in scope",
            ),
        ]

    return _with_server(env, body)
