"""Incomplete or stale data is named in `warnings`: never a silent undercount, never a failed report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mcp import Client

from testio.sandbox import Faults
from tests.reliability.faulty_world import synced_result, tool
from tests.world import NOW, World

EXECUTED = {"running", "locked", "archived"}
LATER = NOW + timedelta(hours=2)  # past the bug TTL: the bugs of changing tests are due


def _product_with(world: World, status: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A product and its test of `status` with the most bugs."""
    return max(
        ((p, t) for p in world.products() for t in p["tests"] if t["status"] == status),
        key=lambda pt: len(pt[1]["bugs"]),
    )


def _visible(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in product["tests"] if not t["poisoned"] and t["status"] in EXECUTED]


def _warned(data: dict[str, Any], kind: str) -> set[int]:
    return {t for w in data["warnings"] if w["kind"] == kind for t in w["test_ids"]}


async def _with_failing_bugs(world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    product, test = _product_with(world, "locked")
    world.sandbox.set_faults(Faults(fail_bug_batches_for=frozenset({test["id"]})))
    await synced_result(world)
    return product, test


async def test_a_report_names_the_test_whose_bugs_failed_and_counts_every_other_bug(
    world: World,
) -> None:
    product, failing = await _with_failing_bugs(world)
    others = [t for t in _visible(product) if t["id"] != failing["id"]]

    async with Client(world.server(), mode="legacy") as mcp:
        report = await tool(mcp, "generate_ebr_report", {"product_id": product["id"]})

    assert failing["id"] in _warned(report, "incomplete")
    assert report["tests_in_scope"] == len(others) + 1
    assert report["summary"]["bugs"]["total"] == sum(len(t["bugs"]) for t in others)


async def test_the_status_of_a_test_whose_bugs_failed_says_its_counts_may_be_low(
    world: World,
) -> None:
    _, failing = await _with_failing_bugs(world)

    async with Client(world.server(), mode="legacy") as mcp:
        status = await tool(mcp, "get_test_status", {"test_id": failing["id"]})

    assert _warned(status, "incomplete") == {failing["id"]}
    assert status["quality"]["bugs"]["total"] == 0


async def test_a_report_on_a_product_with_a_range_the_api_never_returns_says_so(
    world: World,
) -> None:
    product = next(p for p in world.products() if any(t["poisoned"] for t in p["tests"]))
    await synced_result(world)

    async with Client(world.server(), mode="legacy") as mcp:
        report = await tool(mcp, "generate_ebr_report", {"product_id": product["id"]})

    kinds = [w["kind"] for w in report["warnings"]]
    assert kinds == ["problematic_range"]
    assert report["tests_in_scope"] == len(_visible(product))


async def test_a_test_list_of_a_product_with_a_range_the_api_never_returns_says_so(
    world: World,
) -> None:
    product = next(p for p in world.products() if any(t["poisoned"] for t in p["tests"]))
    await synced_result(world)

    async with Client(world.server(), mode="legacy") as mcp:
        listing = await tool(mcp, "list_tests", {"product_id": product["id"]})

    assert [w["kind"] for w in listing["warnings"]] == ["problematic_range"]
    assert listing["total"] == len([t for t in product["tests"] if not t["poisoned"]])


async def test_a_report_while_the_api_is_down_counts_the_cache_and_names_the_stale_tests(
    world: World,
) -> None:
    product, running = _product_with(world, "running")
    await synced_result(world)
    world.sandbox.set_faults(Faults(drop_rate=1.0))

    async with Client(world.server(at=lambda: LATER), mode="legacy") as mcp:
        report = await tool(mcp, "generate_ebr_report", {"product_id": product["id"]})

    assert running["id"] in _warned(report, "stale")
    assert report["summary"]["bugs"]["total"] == sum(len(t["bugs"]) for t in _visible(product))


async def test_the_status_of_a_changing_test_while_the_api_is_down_says_it_is_stale(
    world: World,
) -> None:
    _, running = _product_with(world, "running")
    await synced_result(world)
    world.sandbox.set_faults(Faults(drop_rate=1.0))

    async with Client(world.server(at=lambda: LATER), mode="legacy") as mcp:
        status = await tool(mcp, "get_test_status", {"test_id": running["id"]})

    assert _warned(status, "stale") == {running["id"]}
    assert status["quality"]["bugs"]["total"] == len(running["bugs"])
