"""query_metrics through the MCP protocol: its numbers agree with generate_ebr_report's."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from mcp import Client

from testio.domain.analytics import DIMENSIONS, TEST_DIMENSIONS
from testio.lifecycle import TEST_STATUSES
from testio.sandbox import Faults
from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.server.test_tools import visible_tests
from tests.world import World

BUCKETS = ("total", "active_accepted", "auto_accepted", "rejected", "open", "other", "known")

SCOPES: list[dict[str, Any]] = [
    {},
    {"start_date": "2025-12-01", "end_date": "2026-11-30"},
    {"start_date": "last quarter", "end_date": "last quarter"},
    {"statuses": ["archived"]},
    {"statuses": ["running", "locked"], "start_date": "2026-06-01"},
    {"statuses": list(TEST_STATUSES)},
]


def bug_totals(qualities: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(q["bugs"][k] for q in qualities) for k in BUCKETS}


async def ebr_of(mcp: Client, product_id: int, scope: dict[str, Any]) -> dict[str, Any]:
    return await call(
        mcp, "generate_ebr_report", {"product_id": product_id, **scope, "max_rows": 0}
    )


@pytest.mark.parametrize(
    "scope", SCOPES, ids=["all", "year", "quarter", "archived", "live", "every-status"]
)
@pytest.mark.parametrize("several", [False, True], ids=["every-product", "two-products"])
async def test_grouping_by_product_gives_each_products_ebr_summary(
    synced: World, scope: dict[str, Any], several: bool
) -> None:
    """Per product, tests, bugs by bucket, rates and health equal the EBR's on the same scope."""
    products = sorted(p["id"] for p in synced.products())
    chosen = products[:2] if several else products
    args = {**scope, "product_ids": chosen} if several else scope
    async with Client(synced.server(), mode="legacy") as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["product"], **args, "limit": 1000})
        ebrs = {pid: await ebr_of(mcp, pid, scope) for pid in chosen}
    groups = {g["product_id"]: g for g in data["groups"]}
    assert set(groups) == {pid for pid, e in ebrs.items() if e["tests_in_scope"] > 0}
    for pid, group in groups.items():
        ebr = ebrs[pid]
        assert group["product"] == ebr["scope"]["product"]["title"]
        assert group["tests"] == ebr["tests_in_scope"]
        assert group["quality"] == ebr["summary"]
    assert data["tests_in_scope"] == sum(e["tests_in_scope"] for e in ebrs.values())
    assert bug_totals([data["summary"]]) == bug_totals([e["summary"] for e in ebrs.values()])
    assert [p["id"] for p in data["scope"]["products"]] == chosen


@pytest.mark.parametrize(
    "scope", SCOPES, ids=["all", "year", "quarter", "archived", "live", "every-status"]
)
async def test_every_single_dimension_splits_the_ebr_totals_exactly(
    synced: World, scope: dict[str, Any]
) -> None:
    """Summed over the groups of any one dimension, bug bucket counts equal the EBRs' totals."""
    products = [p["id"] for p in synced.products()]
    async with Client(synced.server(), mode="legacy") as mcp:
        ebrs = [await ebr_of(mcp, pid, scope) for pid in products]
        totals = bug_totals([e["summary"] for e in ebrs])
        tests = sum(e["tests_in_scope"] for e in ebrs)
        assert tests > 0
        assert totals["total"] > 0
        for dimension in DIMENSIONS:
            data = await call(
                mcp, "query_metrics", {"group_by": [dimension], **scope, "limit": 1000}
            )
            assert data["groups_omitted"] == 0
            assert bug_totals([g["quality"] for g in data["groups"]]) == totals, dimension
            assert bug_totals([data["summary"]]) == totals
            if dimension in TEST_DIMENSIONS:
                assert sum(g["tests"] for g in data["groups"]) == tests, dimension
            else:
                assert all(0 < g["tests"] <= tests for g in data["groups"]), dimension


async def test_three_dimensions_split_the_totals_and_name_every_dimension(synced: World) -> None:
    """Grouping by product, severity and month still adds up, and each group says its values."""
    async with Client(synced.server(), mode="legacy") as mcp:
        data = await call(
            mcp, "query_metrics", {"group_by": ["product", "severity", "month"], "limit": 1000}
        )
        overall = await call(mcp, "query_metrics", {"group_by": ["severity"]})
    assert bug_totals([g["quality"] for g in data["groups"]]) == bug_totals([overall["summary"]])
    for group in data["groups"]:
        assert group["product_id"] is not None
        assert group["severity"] is not None
        assert group["month"] is not None
        assert group["feature"] is None


async def test_severity_groups_match_the_ground_truth(connect: Connect, synced: World) -> None:
    """Bugs per severity of executed tests equal the sandbox's own data."""
    executed = {"running", "locked", "archived"}
    expected = Counter(
        b["severity"]
        for p in synced.products()
        for t in visible_tests(p)
        if t["status"] in executed
        for b in t["bugs"]
    )
    async with connect() as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["severity"]})
    assert {g["severity"]: g["quality"]["bugs"]["total"] for g in data["groups"]} == expected


async def test_test_level_groups_count_tests_without_bugs(synced: World) -> None:
    """Grouped by test type, `tests` counts every test in scope, those without bugs too."""
    executed = {"running", "locked", "archived"}
    in_scope = [t for p in synced.products() for t in visible_tests(p) if t["status"] in executed]
    assert any(not t["bugs"] for t in in_scope), "the dataset should have a test without bugs"
    expected = Counter(t["testing_type"] or "test_case" for t in in_scope)
    async with Client(synced.server(), mode="legacy") as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["test_type"]})
    assert {g["test_type"]: g["tests"] for g in data["groups"]} == expected


async def test_bug_level_groups_count_only_tests_with_a_bug_in_the_group(synced: World) -> None:
    """Grouped by severity, `tests` counts the tests having at least one bug of that severity."""
    executed = {"running", "locked", "archived"}
    expected = Counter(
        severity
        for p in synced.products()
        for t in visible_tests(p)
        if t["status"] in executed
        for severity in {b["severity"] for b in t["bugs"]}
    )
    async with Client(synced.server(), mode="legacy") as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["severity"]})
    assert {g["severity"]: g["tests"] for g in data["groups"]} == expected


async def test_groups_are_sorted_and_limited(synced: World) -> None:
    """sort_by, order and limit choose which groups come back and in what order."""
    async with Client(synced.server(), mode="legacy") as mcp:
        by_bugs = await call(mcp, "query_metrics", {"group_by": ["feature"], "limit": 3})
        by_rate = await call(
            mcp,
            "query_metrics",
            {"group_by": ["feature"], "sort_by": "rejection_rate", "order": "asc", "limit": 1000},
        )
    totals = [g["quality"]["bugs"]["total"] for g in by_bugs["groups"]]
    assert totals == sorted(totals, reverse=True)
    assert by_bugs["groups_shown"] == 3
    assert by_bugs["groups_omitted"] == by_bugs["groups_total"] - 3
    rates = [g["quality"]["rates"]["rejection_rate"] for g in by_rate["groups"]]
    known = [r for r in rates if r is not None]
    assert known == sorted(known)
    assert rates[: len(known)] == known


async def test_bugs_without_a_feature_or_device_form_their_own_groups(synced: World) -> None:
    """Bugs with no feature are one group 'no feature'; bugs with no device, platform 'unknown'."""
    async with Client(synced.server(), mode="legacy") as mcp:
        features = await call(mcp, "query_metrics", {"group_by": ["feature"], "limit": 1000})
        platforms = await call(mcp, "query_metrics", {"group_by": ["platform"]})
    named = [g for g in features["groups"] if g["feature_id"] is not None]
    unnamed = [g for g in features["groups"] if g["feature_id"] is None]
    assert named
    assert all(g["feature"] and g["feature"] != "no feature" for g in named)
    assert [g["feature"] for g in unnamed] == ["no feature"]
    assert unnamed[0]["quality"]["bugs"]["total"] > 0
    assert "unknown" in {g["platform"] for g in platforms["groups"]}


async def test_unknown_product_is_a_one_sentence_tool_error(synced: World) -> None:
    """An id that is not in the cache names the product and what to call instead."""
    async with Client(synced.server(), mode="legacy") as mcp:
        message = await call_error(
            mcp, "query_metrics", {"group_by": ["product"], "product_ids": [999999]}
        )
    assert message == "No product 999999 in the cache; call list_products to see the products."


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "Missing required argument 'group_by'"),
        ({"group_by": ["colour"]}, "must be one of"),
        ({"group_by": []}, "group_by"),
        ({"group_by": ["product", "feature", "severity", "month"]}, "group_by"),
        ({"group_by": ["product"], "start_date": "next week"}, "Cannot read 'next week'"),
    ],
)
async def test_bad_arguments_are_one_sentence_tool_errors(
    synced: World, args: dict[str, Any], fragment: str
) -> None:
    """A bad dimension, too few or many dimensions or a bad date is refused with its fix."""
    async with Client(synced.server(), mode="legacy") as mcp:
        message = await call_error(mcp, "query_metrics", args)
    assert fragment in message


async def test_tests_whose_bugs_could_not_be_fetched_are_named_in_warnings(world: World) -> None:
    """A test whose bug fetch fails is in scope with no bugs, and a warning names it."""
    executed = {"running", "locked", "archived"}
    failing = next(
        t
        for p in world.products()
        for t in visible_tests(p)
        if t["status"] in executed and t["bugs"]
    )
    world.sandbox.set_faults(Faults(fail_bug_batches_for=frozenset({failing["id"]})))
    await world.sync()
    async with Client(world.server(), mode="legacy") as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["product"]})
    named = [w for w in data["warnings"] if w["kind"] == "incomplete"]
    assert [w["test_ids"] for w in named] == [[failing["id"]]]


async def test_a_scope_without_tests_has_no_groups_and_null_rates(synced: World) -> None:
    """Nothing in scope is an answer with no groups, zero counts and null rates, not an error."""
    async with Client(synced.server(), mode="legacy") as mcp:
        data = await call(mcp, "query_metrics", {"group_by": ["month"], "start_date": "2030-01-01"})
    assert (data["tests_in_scope"], data["groups_total"], data["groups"]) == (0, 0, [])
    assert data["summary"]["bugs"]["total"] == 0
    assert set(data["summary"]["rates"].values()) == {None}
