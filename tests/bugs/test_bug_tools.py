"""list_bugs and get_bug through the MCP protocol, checked against the sandbox's own answers."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from mcp import Client

from testio import metrics
from testio.client.bug_payloads import REJECT_REASON_COMMENTS
from testio.server import build_server
from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.world import NOW, World


def visible_bugs(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for t in product["tests"] if not t["poisoned"] for b in t["bugs"]]


def richest_test(world: World) -> dict[str, Any]:
    tests = [t for p in world.products() for t in p["tests"] if not t["poisoned"]]
    return max(tests, key=lambda t: len(t["bugs"]))


def bucket_of(bug: dict[str, Any]) -> str:
    return metrics.bucket(bug["status"], bug["auto_accepted"])


async def test_list_bugs_pages_through_every_bug_of_a_test_newest_first(
    connect: Connect, synced: World
) -> None:
    test = richest_test(synced)
    expected = {b["id"] for b in test["bugs"]}
    per_page = max(len(expected) // 3, 1)
    async with connect() as mcp:
        seen: list[dict[str, Any]] = []
        page = 1
        while True:
            data = await call(
                mcp, "list_bugs", {"test_ids": [test["id"]], "per_page": per_page, "page": page}
            )
            assert data["total"] == len(expected)
            seen += data["bugs"]
            if not data["has_more"]:
                break
            page += 1
    assert [b["id"] for b in seen if b["id"] in expected] == [b["id"] for b in seen]
    assert {b["id"] for b in seen} == expected
    stamps = [b["reported_at"] for b in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert {b["test"]["id"] for b in seen} == {test["id"]}


async def test_list_bugs_of_a_product_counts_each_bucket_and_severity_as_the_truth_does(
    connect: Connect, synced: World
) -> None:
    product = max(synced.products(), key=lambda p: len(visible_bugs(p)))
    bugs = visible_bugs(product)
    async with connect() as mcp:
        for bucket, n in Counter(bucket_of(b) for b in bugs).items():
            data = await call(
                mcp,
                "list_bugs",
                {"product_id": product["id"], "buckets": [bucket], "per_page": 1},
            )
            assert data["total"] == n, bucket
        for severity, n in Counter(b["severity"] for b in bugs).items():
            data = await call(
                mcp, "list_bugs", {"product_id": product["id"], "severities": [severity]}
            )
            assert data["total"] == n, severity
            assert {b["severity"] for b in data["bugs"]} == {severity}
        known = await call(mcp, "list_bugs", {"product_id": product["id"], "known": True})
        assert known["total"] == sum(1 for b in bugs if b["known"])


async def test_list_bugs_filters_by_device_browser_and_text_as_the_api_reports_them(
    connect: Connect, synced: World
) -> None:
    test = richest_test(synced)
    raw = (await synced.raw("bugs", filter_test_cycle_ids=str(test["id"])))["bugs"]
    first = next(b for b in raw if b["devices"])
    device = first["devices"][0]
    os_name = device["operating_system"]["name"]
    browser = device["browsers"][0]["name"]
    word = first["title"].split()[0]
    async with connect() as mcp:
        base = {"test_ids": [test["id"]], "per_page": 200}
        by_os = await call(mcp, "list_bugs", {**base, "operating_system": os_name.lower()})
        assert {b["id"] for b in by_os["bugs"]} == {
            b["id"]
            for b in raw
            if b["devices"] and b["devices"][0]["operating_system"]["name"] == os_name
        }
        by_browser = await call(mcp, "list_bugs", {**base, "browser": browser.upper()})
        assert first["id"] in {b["id"] for b in by_browser["bugs"]}
        assert all(browser in (b["browsers"] or "") for b in by_browser["bugs"])
        by_text = await call(mcp, "list_bugs", {**base, "text": word.lower()})
        assert first["id"] in {b["id"] for b in by_text["bugs"]}
        assert by_text["total"] <= len(raw)


async def test_list_bugs_sorts_by_severity_most_severe_first(
    connect: Connect, synced: World
) -> None:
    test = richest_test(synced)
    order = ["critical", "high", "low", "visual", "content", "custom"]
    async with connect() as mcp:
        data = await call(
            mcp, "list_bugs", {"test_ids": [test["id"]], "sort": "severity", "per_page": 200}
        )
    ranks = [order.index(b["severity"]) for b in data["bugs"]]
    assert ranks == sorted(ranks)
    assert data["sort"] == "severity"


async def test_get_bug_returns_the_report_device_files_and_comments_the_api_holds(
    connect: Connect, synced: World
) -> None:
    test = richest_test(synced)
    raw = (await synced.raw("bugs", filter_test_cycle_ids=str(test["id"])))["bugs"]
    bug = next(b for b in raw if b["devices"] and b["attachments"] and b["steps"])
    async with connect() as mcp:
        data = await call(mcp, "get_bug", {"bug_id": bug["id"]})
    assert data["title"] == bug["title"]
    assert data["steps"] == bug["steps"]
    assert data["expected_result"] == (bug.get("expected_result") or "").strip() or None
    assert data["actual_result"] == (bug.get("actual_result") or "").strip() or None
    assert data["attachments"] == [a["url"] for a in bug["attachments"]]
    assert [c["body"] for c in data["comments"]] == [c["body"] for c in bug["comments"]]
    device = bug["devices"][0]
    assert data["device"]["operating_system"] == device["operating_system"]["name"]
    assert data["device"]["category"] == device["category"]["name"]
    assert data["device"]["browsers"] == [b["name"] for b in device["browsers"]]
    assert data["device"]["name"] == f"{device['vendor']['name']} {device['devices']['name']}"
    assert data["test"] == {"id": test["id"], "title": bug["test"]["title"]}
    assert data["bucket"] == metrics.bucket(bug["status"], bug.get("auto_accepted"))
    assert data["data_as_of"] is not None


async def test_get_bug_parses_the_rejection_reason_into_the_standard_reasons(
    connect: Connect, synced: World
) -> None:
    product = max(synced.products(), key=lambda p: len(visible_bugs(p)))
    rejected = [b for b in visible_bugs(product) if b["status"] == "rejected"]
    standard = [b for b in rejected if b["reject_reason"] in REJECT_REASON_COMMENTS]
    assert standard
    async with connect() as mcp:
        for truth in standard[:5]:
            data = await call(mcp, "get_bug", {"bug_id": truth["id"]})
            assert data["reject_reason"]["key"] == truth["reject_reason"]
            assert data["reject_reason"]["name"]
        accepted = next(b for b in visible_bugs(product) if b["status"] == "accepted")
        data = await call(mcp, "get_bug", {"bug_id": accepted["id"]})
        assert data["reject_reason"] is None


async def test_unknown_ids_are_one_sentence_tool_errors_naming_the_id(connect: Connect) -> None:
    async with connect() as mcp:
        assert await call_error(mcp, "get_bug", {"bug_id": 5}) == (
            "No bug 5 in the cache; call list_bugs with its test or product to see the cached "
            "bugs, or sync_data if it is new."
        )
        message = await call_error(mcp, "list_bugs", {"test_ids": [12]})
        assert message.startswith("No test 12 in the cache;")
        message = await call_error(mcp, "list_bugs", {"product_id": 999999})
        assert message.startswith("No product 999999 in the cache;")
        message = await call_error(mcp, "list_bugs", {})
        assert message == "list_bugs needs test_ids or product_id; call list_tests to find them."


async def test_list_bugs_refreshes_a_changing_test_but_not_a_final_one(synced: World) -> None:
    tests = [t for p in synced.products() for t in p["tests"] if not t["poisoned"]]
    running = next(t for t in tests if t["status"] in {"running", "locked"})
    archived = next(t for t in tests if t["status"] == "archived" and t["bugs"])
    later = NOW + timedelta(hours=2)  # past the bug TTL
    server = build_server(
        app_factory=lambda: synced.app(at=lambda: later), background_refresh=False
    )
    async with Client(server) as mcp:
        before = synced.sandbox.counters().get("GET /bugs", 0)
        await call(mcp, "list_bugs", {"test_ids": [archived["id"]]})
        assert synced.sandbox.counters().get("GET /bugs", 0) == before
        await call(mcp, "list_bugs", {"test_ids": [running["id"]]})
        assert synced.sandbox.counters().get("GET /bugs", 0) == before + 1


def test_bug_results_are_frozen_attrs_exported_by_the_package() -> None:
    import testio

    for name in ("BugList", "BugSummary", "BugDetail", "BugDevice", "RejectReason", "Comment"):
        assert attrs.has(getattr(testio, name))


async def test_list_bugs_dates_select_the_tests_that_ended_in_the_range(
    connect: Connect, synced: World
) -> None:
    product = max(synced.products(), key=lambda p: len(visible_bugs(p)))
    ended = sorted(
        (t for t in product["tests"] if not t["poisoned"] and t["end_at"] and t["bugs"]),
        key=lambda t: t["end_at"],
    )
    day = datetime.fromisoformat(ended[len(ended) // 2]["end_at"]).astimezone(UTC).date()
    expected = sum(
        len(t["bugs"])
        for t in product["tests"]
        if not t["poisoned"]
        and t["end_at"]
        and datetime.fromisoformat(t["end_at"]).astimezone(UTC).date() == day
    )
    async with connect() as mcp:
        data = await call(
            mcp,
            "list_bugs",
            {"product_id": product["id"], "start_date": str(day), "end_date": str(day)},
        )
    assert data["total"] == expected
