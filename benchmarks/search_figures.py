"""The search figures: warm `search` calls over the `large` cache, through `testio serve`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio

from benchmarks.measure import median, percentile
from benchmarks.stdio_server import call, connect, server_log, tail, time_calls
from benchmarks.table import Figure
from benchmarks.truth import TruthProduct

SEARCH_MEDIAN = "search warm median, large"
SEARCH_P99 = "search warm p99, large"
SEARCH_FIGURES = (SEARCH_MEDIAN, SEARCH_P99)

WORDS = (
    "checkout",
    "login crash",
    "button disabled",
    "dark mode",
    "404",
    "push notifications",
    "overlaps footer",
    "cart",
    "search results",
    "the page",
    "menu*",
)
FTS5 = ('"order button"', "paypal OR coupon", "crash NOT login")


def queries(product: TruthProduct) -> list[dict[str, Any]]:
    """What people ask: plain words over everything, in one product, bugs only, and FTS5."""
    asked: list[dict[str, Any]] = [{"query": q} for q in WORDS]
    asked += [{"query": q, "product_id": product.id} for q in WORDS[:5]]
    asked += [{"query": q, "kinds": ["bug"]} for q in WORDS[5:9]]
    asked += [{"query": q, "syntax": "fts5"} for q in FTS5]
    return asked


def search_figures(env: Mapping[str, str], product: TruthProduct, calls: int) -> list[Figure]:
    """Median and p99 of every query's warm calls together, over one connection."""
    asked = queries(product)

    async def body() -> tuple[list[float], int]:
        with server_log() as errlog:
            try:
                async with connect(env, errlog) as client:
                    ms: list[float] = []
                    hits = 0
                    for arguments in asked:
                        timing = await time_calls(
                            client, "search", arguments, warmup=1, calls=calls
                        )
                        ms += timing.ms
                        hits += len((await call(client, "search", arguments))["hits"])
                    return ms, hits
            except Exception as exc:
                raise RuntimeError(f"{exc}; server stderr:\n{tail(errlog)}") from exc

    ms, hits = anyio.run(body)
    note = (
        f"{len(asked)} queries × {calls} warm calls ({hits} hits in all): words over all kinds, "
        f"in product {product.id}, bugs only, and FTS5 syntax; slowest {max(ms):.0f} ms"
    )
    return [
        Figure(SEARCH_MEDIAN, median(ms), "ms", 50.0, note),
        Figure(SEARCH_P99, percentile(ms, 0.99), "ms", 200.0),
    ]
