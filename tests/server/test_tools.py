"""Every tool through the MCP protocol, in both eras, against a cache synced from the sandbox."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from testio import metrics
from tests.mcp_calls import call, call_error
from tests.server.conftest import Connect
from tests.world import World

EXPECTED_TOOLS = {
    "health_check",
    "list_products",
    "list_tests",
    "get_test_status",
    "generate_ebr_report",
    "get_database_stats",
    "get_sync_history",
    "get_problematic_tests",
    "sync_data",
    "list_bugs",
    "get_bug",
    "list_features",
    "list_user_stories",
    "search",
    "query_metrics",
    "get_triage_log",
}


def visible_tests(product: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in product["tests"] if not t["poisoned"]]


def biggest(world: World) -> dict[str, Any]:
    return max(world.products(), key=lambda p: len(p["tests"]))


async def test_every_tool_is_listed_with_title_schemas_and_annotations(connect: Connect) -> None:
    async with connect() as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert set(tools) == EXPECTED_TOOLS
        for tool in tools.values():
            assert tool.title
            assert tool.description
            assert tool.input_schema["type"] == "object"
            assert tool.output_schema is not None
            assert tool.output_schema["type"] == "object"
            assert tool.annotations is not None
        assert tools["list_tests"].annotations.read_only_hint is True  # type: ignore[union-attr]
        assert tools["sync_data"].annotations.read_only_hint is False  # type: ignore[union-attr]


async def test_list_products_returns_every_product_of_the_account(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        data = await call(mcp, "list_products")
        truth = synced.products()
        assert {p["id"] for p in data["products"]} == {p["id"] for p in truth}
        by_id = {p["id"]: p for p in data["products"]}
        for product in truth:
            assert by_id[product["id"]]["test_count"] == len(visible_tests(product))
        assert data["data_as_of"] is not None


async def test_list_products_filters_by_name_part(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        name = synced.products()[0]["name"]
        data = await call(mcp, "list_products", {"search": name[1:-1].upper()})
        assert name in [p["name"] for p in data["products"]]


async def test_list_tests_is_newest_first_with_exact_total_and_has_more(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        expected = len(visible_tests(product))
        per_page = max(expected // 3, 1)
        first = await call(mcp, "list_tests", {"product_id": product["id"], "per_page": per_page})
        assert first["total"] == expected
        assert first["has_more"] is (per_page < expected)
        seen: list[dict[str, Any]] = []
        page = 1
        while True:
            data = await call(
                mcp, "list_tests", {"product_id": product["id"], "per_page": per_page, "page": page}
            )
            seen += data["tests"]
            if not data["has_more"]:
                break
            page += 1
        assert len(seen) == expected
        ends = [t["end_at"] for t in seen if t["end_at"] is not None]
        assert ends == sorted(ends, reverse=True)


async def test_list_tests_filters_by_status(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        archived = [t for t in visible_tests(product) if t["status"] == "archived"]
        data = await call(
            mcp,
            "list_tests",
            {"product_id": product["id"], "statuses": ["archived"], "per_page": 200},
        )
        assert data["total"] == len(archived)
        assert {t["status"] for t in data["tests"]} <= {"archived"}


async def test_get_test_status_counts_bugs_by_bucket_and_severity(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        test = max(
            (t for t in visible_tests(product) if t["status"] == "archived"),
            key=lambda t: len(t["bugs"]),
        )
        data = await call(mcp, "get_test_status", {"test_id": test["id"]})
        bugs = test["bugs"]
        expected = metrics.BucketCounts.from_bugs(
            (b["status"], b["auto_accepted"], b["known"]) for b in bugs
        )
        counts = data["quality"]["bugs"]
        assert counts["total"] == len(bugs)
        assert counts["active_accepted"] == expected.active_accepted
        assert counts["auto_accepted"] == expected.auto_accepted
        assert counts["rejected"] == expected.rejected
        assert counts["open"] == expected.open
        assert counts["known"] == expected.known
        assert data["bugs_by_severity"] == dict(Counter(b["severity"] for b in bugs))
        assert data["test"]["status"] == "archived"
        assert len(data["recent_bugs"]) == min(10, len(bugs))
        env = data["test"]["environment"]
        assert env is None or set(env) == {"id", "title"}


async def test_generate_ebr_report_matches_counts_computed_from_the_ground_truth(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        in_scope = [
            t for t in visible_tests(product) if t["status"] in {"running", "locked", "archived"}
        ]
        bugs = [b for t in in_scope for b in t["bugs"]]
        expected = metrics.BucketCounts.from_bugs(
            (b["status"], b["auto_accepted"], b["known"]) for b in bugs
        )
        rates = metrics.rates(expected)
        data = await call(mcp, "generate_ebr_report", {"product_id": product["id"], "max_rows": 5})
        assert data["tests_in_scope"] == len(in_scope)
        summary = data["summary"]
        assert summary["bugs"]["total"] == expected.total
        assert summary["bugs"]["rejected"] == expected.rejected
        assert summary["bugs"]["auto_accepted"] == expected.auto_accepted
        assert summary["rates"]["rejection_rate"] == metrics.round_rate(rates.rejection_rate)
        assert summary["rates"]["review_rate"] == metrics.round_rate(rates.review_rate)
        assert data["tests_shown"] == min(5, len(in_scope))
        assert data["tests_omitted"] == len(in_scope) - data["tests_shown"]
        assert sum(data["tests_by_status"].values()) == len(in_scope)


async def test_generate_ebr_report_date_range_selects_tests_by_end_day(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        ended = sorted(
            (t for t in visible_tests(product) if t["status"] == "archived" and t["end_at"]),
            key=lambda t: t["end_at"],
        )
        day = datetime.fromisoformat(ended[len(ended) // 2]["end_at"]).date().isoformat()
        expected = [
            t
            for t in visible_tests(product)
            if t["status"] in {"running", "locked", "archived"}
            and t["end_at"]
            and datetime.fromisoformat(t["end_at"]).date().isoformat() == day
        ]
        data = await call(
            mcp,
            "generate_ebr_report",
            {"product_id": product["id"], "start_date": day, "end_date": day},
        )
        assert data["tests_in_scope"] == len(expected)
        assert data["scope"]["start_date"] == day


async def test_get_database_stats_counts_what_was_synced(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        data = await call(mcp, "get_database_stats")
        truth = synced.products()
        assert data["products"] == len(truth)
        assert data["tests"] == sum(len(visible_tests(p)) for p in truth)
        assert data["bugs"] == sum(len(t["bugs"]) for p in truth for t in visible_tests(p))
        assert data["file_size_bytes"] > 0
        assert data["data_as_of"] is not None
        assert data["schema_version"] >= 1


async def test_get_sync_history_shows_the_sync_that_filled_the_cache(connect: Connect) -> None:
    async with connect() as mcp:
        data = await call(mcp, "get_sync_history", {"limit": 5})
        assert len(data["events"]) == 1
        assert data["events"][0]["status"] in {"success", "partial"}
        assert data["summary"]["runs"] == 1


async def test_health_check_reports_api_and_database(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        data = await call(mcp, "health_check")
        assert data["api"]["reachable"] is True
        assert data["api"]["product_count"] == len(synced.products())
        assert data["database"]["reachable"] is True
        assert data["last_sync"] is not None


async def test_get_problematic_tests_lists_open_problems_with_how_to_look_them_up(
    connect: Connect, synced: World
) -> None:
    async with connect() as mcp:
        data = await call(mcp, "get_problematic_tests")
        poisoned = [t for p in synced.products() for t in p["tests"] if t["poisoned"]]
        ranges = [p for p in data["problems"] if p["kind"] == "test_page"]
        assert sum(p["offset_end"] - p["offset_start"] for p in ranges) == len(poisoned)
        assert data["how_to_look_up"]


async def test_sync_data_reports_progress_and_counts(connect: Connect) -> None:
    async with connect() as mcp:
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        result = await mcp.call_tool("sync_data", {"full": True}, progress_callback=on_progress)
        assert not result.is_error
        data = result.structured_content
        assert data is not None
        assert data["status"] in {"success", "partial"}
        assert data["products"] >= 1
        assert seen


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({}, "Missing required argument 'product_id'"),
        ({"product_id": "abc"}, "'product_id' must be an integer"),
        ({"product_id": -4}, "'product_id' must be at least 1"),
        ({"product_id": 1, "per_page": 500}, "'per_page' must be at most 200"),
        ({"product_id": 1, "color": "red"}, "Unknown argument(s) 'color'"),
        ({"product_id": 1, "statuses": ["finished"]}, "must be one of"),
    ],
)
async def test_bad_arguments_are_tool_errors_naming_the_argument(
    connect: Connect, args: dict[str, Any], fragment: str
) -> None:
    async with connect() as mcp:
        message = await call_error(mcp, "list_tests", args)
        assert message.startswith("Invalid arguments for list_tests:")
        assert fragment in message


async def test_unknown_product_is_a_one_sentence_tool_error(connect: Connect) -> None:
    async with connect() as mcp:
        message = await call_error(mcp, "generate_ebr_report", {"product_id": 999999})
        assert message == (
            "No product 999999 in the cache; call list_products to see the products."
        )


async def test_unknown_test_is_a_tool_error(connect: Connect) -> None:
    async with connect() as mcp:
        message = await call_error(mcp, "get_test_status", {"test_id": 12})
        assert "No test 12 in the cache" in message


async def test_bad_date_lists_the_accepted_forms(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        message = await call_error(
            mcp, "generate_ebr_report", {"product_id": product["id"], "start_date": "next week"}
        )
        assert "Cannot read 'next week' as a date" in message
        assert "YYYY-MM-DD" in message


async def test_start_after_end_is_refused(connect: Connect, synced: World) -> None:
    async with connect() as mcp:
        product = biggest(synced)
        message = await call_error(
            mcp,
            "list_tests",
            {"product_id": product["id"], "start_date": "2025-03-02", "end_date": "2025-03-01"},
        )
        assert "after the end date" in message


async def test_unknown_tool_is_a_protocol_error(connect: Connect) -> None:
    async with connect() as mcp:
        with pytest.raises(MCPError) as caught:
            await mcp.call_tool("drop_tables", {})
        assert caught.value.error.code == -32602


def test_every_input_and_output_schema_is_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    from testio.server.tools import TOOLS

    for spec in TOOLS:
        Draft202012Validator.check_schema(spec.input_schema)
        Draft202012Validator.check_schema(spec.output_schema)
        assert spec.output_schema["type"] == "object"
