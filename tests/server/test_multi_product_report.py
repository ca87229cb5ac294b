"""generate_ebr_report for several products: sections, combined counts and the comparison."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from testio import metrics
from testio.sandbox import Faults
from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.world import NOW, World

BUCKETS = ("active_accepted", "auto_accepted", "rejected", "open", "other", "known")
SCOPES: list[dict[str, Any]] = [
    {},
    {"start_date": "2026-06-01", "end_date": "2026-09-30", "statuses": ["archived", "locked"]},
]


def product_ids(world: World) -> list[int]:
    return sorted(p["id"] for p in world.products())


@pytest.mark.parametrize("scope", SCOPES, ids=["all", "summer-ended"])
async def test_each_section_is_exactly_that_products_one_product_report(
    connect: Connect, synced: World, scope: dict[str, Any]
) -> None:
    """Every per-product section equals the one-product call on the same scope."""
    ids = product_ids(synced)
    async with connect() as mcp:
        multi = await call(mcp, "generate_ebr_report", {"product_ids": ids, **scope})
        singles = [await call(mcp, "generate_ebr_report", {"product_id": i, **scope}) for i in ids]
    assert multi["products"] == singles
    assert [p["id"] for p in multi["scope"]["products"]] == ids
    assert multi["scope"]["statuses"] == singles[0]["scope"]["statuses"]


async def test_combined_section_is_computed_from_the_summed_bucket_counts(synced: World) -> None:
    """Combined counts are the products' sums and its rates come from them, not from averages."""
    async with Client(synced.server(), mode="legacy") as mcp:
        multi = await call(mcp, "generate_ebr_report", {"product_ids": product_ids(synced)})
    summed = metrics.BucketCounts(
        **{k: sum(p["summary"]["bugs"][k] for p in multi["products"]) for k in BUCKETS}
    )
    rates = metrics.rates(summed)
    combined = multi["combined"]
    assert combined["bugs"]["total"] == summed.total
    assert {k: combined["bugs"][k] for k in BUCKETS} == {k: getattr(summed, k) for k in BUCKETS}
    assert combined["rates"] == {
        name: metrics.round_rate(getattr(rates, name)) for name in combined["rates"]
    }
    levels = metrics.health(rates)
    assert combined["health"]["overall"] == metrics.overall_health(levels)
    assert multi["tests_in_scope"] == sum(p["tests_in_scope"] for p in multi["products"])
    assert sum(multi["bugs_by_severity"].values()) == summed.total
    assert sum(multi["tests_by_status"].values()) == multi["tests_in_scope"]


async def test_comparison_table_puts_each_products_summary_side_by_side(synced: World) -> None:
    """One comparison row per product, in the order asked, with its tests, bugs, rates, health."""
    ids = list(reversed(product_ids(synced)))
    async with Client(synced.server(), mode="legacy") as mcp:
        multi = await call(mcp, "generate_ebr_report", {"product_ids": ids, "max_rows": 2})
    assert [row["product"]["id"] for row in multi["comparison"]] == ids
    for row, section in zip(multi["comparison"], multi["products"], strict=True):
        assert row["tests_in_scope"] == section["tests_in_scope"]
        assert row["bugs"] == section["summary"]["bugs"]["total"]
        assert row["rates"] == section["summary"]["rates"]
        assert row["health"] == section["summary"]["health"]
        assert len(section["tests"]) == min(2, section["tests_in_scope"])


async def test_combined_section_equals_query_metrics_on_the_same_scope(synced: World) -> None:
    """The multi-product EBR and query_metrics by product tell the same numbers."""
    ids = product_ids(synced)[:2]
    scope = {"start_date": "2026-01-01", "end_date": "2026-12-31"}
    async with Client(synced.server(), mode="legacy") as mcp:
        multi = await call(mcp, "generate_ebr_report", {"product_ids": ids, **scope})
        grouped = await call(
            mcp, "query_metrics", {"group_by": ["product"], "product_ids": ids, **scope}
        )
    assert grouped["summary"] == multi["combined"]
    assert grouped["tests_in_scope"] == multi["tests_in_scope"]
    by_id = {g["product_id"]: g for g in grouped["groups"]}
    for row in multi["comparison"]:
        assert by_id[row["product"]["id"]]["quality"]["rates"] == row["rates"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {},
            "Missing required argument 'product_id' (the product's id, see list_products), "
            "or give product_ids for several products.",
        ),
        (
            {"product_id": 598, "product_ids": [598]},
            "Give product_id for one product or product_ids for several, not both.",
        ),
        (
            {"product_ids": [598, 999999]},
            "No product 999999 in the cache; call list_products to see the products.",
        ),
    ],
)
async def test_product_id_xor_product_ids_and_unknown_ids_are_one_sentence_errors(
    synced: World, args: dict[str, Any], message: str
) -> None:
    """Exactly one of product_id and product_ids; every id must be a cached product."""
    async with Client(synced.server(), mode="legacy") as mcp:
        assert await call_error(mcp, "generate_ebr_report", args) == message


@pytest.mark.parametrize("name", ["multi.json", "multi.csv", "multi.md", "multi.html"])
async def test_output_file_writes_the_multi_product_report_with_every_row(
    connect: Connect, synced: World, name: str
) -> None:
    """The file holds every test row of every product, owner-readable only."""
    ids = product_ids(synced)
    async with connect() as mcp:
        data = await call(
            mcp, "generate_ebr_report", {"product_ids": ids, "output_file": name, "max_rows": 1}
        )
    path = Path(data["output_file"])
    assert path == synced.settings.reports_dir.resolve() / name
    text = path.read_text(encoding="utf-8")
    if name.endswith(".json"):
        written = json.loads(text)
        assert written["combined"] == data["combined"]
        assert sum(len(p["tests"]) for p in written["products"]) == data["tests_in_scope"]
    elif name.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == data["tests_in_scope"]
        assert {int(r["product_id"]) for r in rows} <= set(ids)
    elif name.endswith(".html"):
        assert text.count('<section class="comparison">') == 1
        assert text.count('<tr data-product-id="combined">') == 1
        shown = {
            int(pid)
            for pid in re.findall(r'<section class="product" data-product-id="(\d+)"', text)
        }
        assert shown == set(ids)
    else:
        assert text.startswith(f"# EBR report: {len(ids)} products")
        for product in synced.products():
            assert f"## EBR report: {product['name']}" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_output_schema_describes_both_shapes_with_an_object_root() -> None:
    """The tool's output schema is an object matching the one- or the multi-product report."""
    from testio.server.tools import TOOLS

    spec = next(s for s in TOOLS if s.name == "generate_ebr_report")
    schema = spec.output_schema
    assert schema["type"] == "object"
    required = [set(option["required"]) for option in schema["anyOf"]]
    assert {"scope", "summary", "tests"} <= required[0]
    assert {"combined", "comparison", "products"} <= required[1]


@pytest.mark.parametrize(
    ("tool", "extra"),
    [("generate_ebr_report", {}), ("query_metrics", {"group_by": ["product"]})],
)
async def test_a_slow_api_costs_several_products_one_refresh_timeout(
    synced: World, tool: str, extra: dict[str, Any]
) -> None:
    """Bugs of every product are refreshed together: one bounded wait and one stale warning."""
    from testio.server import build_server

    synced.sandbox.set_faults(Faults(latency_ms=(3000.0, 3000.0)))
    later = NOW + timedelta(hours=2)  # past the bug TTL: the changing tests' bugs are due
    server = build_server(
        app_factory=lambda: synced.app(at=lambda: later, refresh_timeout_s=0.3),
        background_refresh=False,
    )
    async with Client(server, mode="legacy") as mcp:
        with anyio.fail_after(2.5):
            data = await call(mcp, tool, {"product_ids": product_ids(synced), **extra})
    stale = [w for w in data["warnings"] if w["kind"] == "stale"]
    assert len(stale) == 1
    assert "within 0.3 s" in stale[0]["message"]
