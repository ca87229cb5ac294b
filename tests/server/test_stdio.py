"""`testio serve` as a real stdio subprocess, in both protocol eras."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.world import World


def params(world: World, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "testio", "serve"],
        env={
            "TESTIO_DATABASE_URL": world.settings.database_url,
            "TESTIO_API_URL": "http://127.0.0.1:9/customer/v2",  # nothing listens: cache only
            "TESTIO_API_TOKEN": "stdio-test-token",
            "TESTIO_REFRESH_INTERVAL": "0",
            "TESTIO_REPORTS_DIR": str(world.settings.reports_dir),
            **env,
        },
    )


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_serve_over_stdio_answers_from_the_cache(synced: World, mode: Any) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    with anyio.fail_after(60):
        async with Client(params(synced), mode=mode) as client:
            assert client.server_info is not None
            assert client.server_info.name == "testio"
            tools = {t.name for t in (await client.list_tools()).tools}
            assert "generate_ebr_report" in tools
            result = await client.call_tool("list_products", {})
            assert result.structured_content is not None
            assert len(result.structured_content["products"]) == len(synced.products())
            report = await client.call_tool("generate_ebr_report", {"product_id": product["id"]})
            assert report.structured_content is not None
            assert report.structured_content["scope"]["product"]["id"] == product["id"]
            metrics = await client.call_tool("query_metrics", {"group_by": ["product"]})
            assert metrics.structured_content is not None
            by_product = {g["product_id"]: g for g in metrics.structured_content["groups"]}
            assert by_product[product["id"]]["quality"] == report.structured_content["summary"]
            bad = await client.call_tool("list_tests", {"product_id": "x"})
            assert bad.is_error
            bugs = await client.call_tool("list_bugs", {"product_id": product["id"]})
            assert bugs.structured_content is not None
            listed = bugs.structured_content["bugs"]
            visible = [t for t in product["tests"] if not t["poisoned"]]
            assert bugs.structured_content["total"] == sum(len(t["bugs"]) for t in visible)
            bug = await client.call_tool("get_bug", {"bug_id": listed[0]["id"]})
            assert bug.structured_content is not None
            assert bug.structured_content["title"] == listed[0]["title"]
            for tool in ("list_features", "list_user_stories"):
                catalogue = await client.call_tool(tool, {"product_id": product["id"]})
                assert catalogue.structured_content is not None
                assert catalogue.structured_content["total"] > 0


@pytest.mark.sqlite_only
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_serve_over_stdio_searches_the_cache(synced: World, mode: Any) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    with anyio.fail_after(60):
        async with Client(params(synced), mode=mode) as client:
            bugs = await client.call_tool("list_bugs", {"product_id": product["id"]})
            assert bugs.structured_content is not None
            first = bugs.structured_content["bugs"][0]
            found = await client.call_tool("search", {"query": first["title"]})
            assert found.structured_content is not None
            assert first["id"] in [h["id"] for h in found.structured_content["hits"]]
            bad_query = await client.call_tool("search", {"query": "AND", "syntax": "fts5"})
            assert bad_query.is_error


async def test_serve_over_stdio_never_leaks_the_token_when_the_api_is_down(synced: World) -> None:
    with anyio.fail_after(60):
        async with Client(params(synced, TESTIO_MAX_RETRIES="1"), mode="legacy") as client:
            result = await client.call_tool("health_check", {})
    assert result.structured_content is not None
    assert result.structured_content["api"]["reachable"] is False
    assert "stdio-test-token" not in str(result.structured_content)
