"""list_features and list_user_stories through the MCP protocol, against the sandbox's answers."""

from __future__ import annotations

from collections import Counter
from typing import Any

from mcp import Client

from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.world import World


def sectioned(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if p["has_sections"])


def plain(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if not p["has_sections"])


async def all_pages(mcp: Client, tool: str, key: str, args: dict[str, Any]) -> list[Any]:
    items: list[Any] = []
    page = 1
    while True:
        data = await call(mcp, tool, {**args, "page": page, "per_page": 7})
        items += data[key]
        if not data["has_more"]:
            assert len(items) == data["total"]
            return items
        page += 1


async def test_list_features_holds_every_feature_with_the_sections_that_list_it(
    connect: Connect, synced: World
) -> None:
    product = sectioned(synced)
    sections: dict[int, set[int]] = {}
    for sid in product["section_ids"]:
        raw = await synced.raw(f"products/{product['id']}/sections/{sid}/features")
        for feature in raw["features"]:
            sections.setdefault(feature["id"], set()).add(sid)
    async with connect() as mcp:
        features = await all_pages(mcp, "list_features", "features", {"product_id": product["id"]})
        one = product["section_ids"][-1]
        in_one = await call(
            mcp, "list_features", {"product_id": product["id"], "section_id": one, "per_page": 200}
        )
    assert {f["id"] for f in features} == set(product["feature_ids"])
    assert {f["id"]: set(f["section_ids"]) for f in features} == sections
    assert {f["id"] for f in in_one["features"]} == {f for f, s in sections.items() if one in s}


async def test_list_features_counts_the_tests_and_bugs_that_touched_each_feature(
    connect: Connect, synced: World
) -> None:
    product = plain(synced)
    tests = [t for t in product["tests"] if not t["poisoned"]]
    touched: Counter[int] = Counter()
    for test in tests:
        raw = await synced.raw(f"exploratory_tests/{test['id']}")
        touched.update({f["feature_id"] for f in raw["exploratory_test"]["features"]})
    ids = ",".join(str(t["id"]) for t in tests)
    bugs: list[dict[str, Any]] = (await synced.raw("bugs", filter_test_cycle_ids=ids))["bugs"]
    reported: Counter[int] = Counter()
    for bug in bugs:
        link: dict[str, Any] = bug.get("test_feature") or {}
        snapshot: dict[str, Any] = bug.get("feature") or {}
        reported[link.get("feature_id") or snapshot.get("id") or 0] += 1
    async with connect() as mcp:
        data = await call(mcp, "list_features", {"product_id": product["id"], "per_page": 200})
    assert data["total"] == len(product["feature_ids"])
    for feature in data["features"]:
        assert feature["test_count"] == touched[feature["id"]], feature["id"]
        assert feature["bug_count"] == reported[feature["id"]], feature["id"]
    assert sum(f["bug_count"] for f in data["features"]) > 0


async def test_list_user_stories_links_each_story_to_the_features_listing_its_title(
    connect: Connect, synced: World
) -> None:
    product = sectioned(synced)
    stories: dict[int, str] = {}
    for sid in product["section_ids"]:
        raw = await synced.raw(f"products/{product['id']}/user_stories", section_id=str(sid))
        stories.update({s["id"]: s["title"] for s in raw["user_stories"]})
    titles = Counter(stories.values())
    features: dict[int, list[str]] = {}
    for sid in product["section_ids"]:
        raw = await synced.raw(f"products/{product['id']}/sections/{sid}/features")
        features.update({f["id"]: f["user_stories"] for f in raw["features"]})
    async with connect() as mcp:
        listed = await all_pages(
            mcp, "list_user_stories", "user_stories", {"product_id": product["id"]}
        )
    assert len(listed) == product["story_count"]
    assert {s["id"]: s["title"] for s in listed} == stories
    for story in listed:
        expected = {fid for fid, names in features.items() if story["title"] in names}
        assert {f["id"] for f in story["features"]} == expected
        assert story["ambiguous"] is (titles[story["title"]] > 1)


async def test_an_unknown_section_or_product_is_a_one_sentence_tool_error(
    connect: Connect, synced: World
) -> None:
    product = sectioned(synced)
    listed = ", ".join(str(s) for s in product["section_ids"])
    async with connect() as mcp:
        message = await call_error(
            mcp, "list_user_stories", {"product_id": product["id"], "section_id": 7}
        )
        assert message == f"Product {product['id']} has no section 7; its sections are {listed}."
        message = await call_error(mcp, "list_features", {"product_id": 999999})
        assert message.startswith("No product 999999 in the cache;")


async def test_an_incremental_sync_reads_no_catalogue_or_story_again(synced: World) -> None:
    before = synced.sandbox.counters()
    await synced.sync()
    after = synced.sandbox.counters()
    for endpoint in (
        "GET /products/{pid}/user_stories",
        "GET /products/{pid}/features",
        "GET /products/{pid}/sections/{sid}/features",
    ):
        assert after.get(endpoint, 0) == before.get(endpoint, 0), endpoint
    assert before.get("GET /products/{pid}/user_stories", 0) == sum(
        len(p["section_ids"]) if p["has_sections"] else 1 for p in synced.products()
    )
