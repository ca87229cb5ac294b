"""End to end with the official MCP Inspector CLI driving `testio serve` over stdio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.world import World

INSPECTOR = os.environ.get("TESTIO_INSPECTOR") or str(
    Path.home() / ".testio-inspector/node_modules/.bin/mcp-inspector"
)

pytestmark = pytest.mark.skipif(
    not (Path(INSPECTOR).exists() or shutil.which(INSPECTOR)) and not os.environ.get("CI"),
    reason="the MCP Inspector CLI is not installed (.ci/run installs it)",
)


def inspect(world: World, *args: str) -> dict[str, Any]:
    env = {
        "TESTIO_DATABASE_URL": world.settings.database_url,
        "TESTIO_API_URL": "http://127.0.0.1:9/customer/v2",
        "TESTIO_API_TOKEN": "inspector-token",
        "TESTIO_REFRESH_INTERVAL": "0",
        "TESTIO_REPORTS_DIR": str(world.settings.reports_dir),
    }
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    completed = subprocess.run(
        [
            INSPECTOR,
            "--cli",
            "-q",
            "--format",
            "json",
            *env_args,
            *args,
            "--",
            sys.executable,
            "-m",
            "testio",
            "serve",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    payload: dict[str, Any] = json.loads(completed.stdout)
    return payload.get("result", payload)


def test_inspector_lists_the_tools(synced: World) -> None:
    result = inspect(synced, "--method", "tools/list")
    names = {t["name"] for t in result["tools"]}
    assert {"list_products", "generate_ebr_report", "get_test_status", "list_bugs"} <= names
    tool = next(t for t in result["tools"] if t["name"] == "list_tests")
    assert tool["annotations"]["readOnlyHint"] is True
    assert tool["outputSchema"]["type"] == "object"


def test_inspector_calls_list_products(synced: World) -> None:
    result = inspect(synced, "--method", "tools/call", "--tool-name", "list_products")
    assert result["isError"] is False
    ids = {p["id"] for p in result["structuredContent"]["products"]}
    assert ids == {p["id"] for p in synced.products()}
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]


def test_inspector_calls_generate_ebr_report(synced: World) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    result = inspect(
        synced,
        "--method",
        "tools/call",
        "--tool-name",
        "generate_ebr_report",
        "--tool-args-json",
        json.dumps({"product_id": product["id"], "max_rows": 3}),
    )
    report = result["structuredContent"]
    executed = [
        t
        for t in product["tests"]
        if not t["poisoned"] and t["status"] in {"running", "locked", "archived"}
    ]
    assert report["tests_in_scope"] == len(executed)
    assert report["summary"]["bugs"]["total"] == sum(len(t["bugs"]) for t in executed)
    assert len(report["tests"]) == min(3, len(executed))


def test_inspector_calls_query_metrics(synced: World) -> None:
    result = inspect(
        synced,
        "--method",
        "tools/call",
        "--tool-name",
        "query_metrics",
        "--tool-args-json",
        json.dumps({"group_by": ["product"]}),
    )
    assert result["isError"] is False
    groups = {g["product_id"]: g for g in result["structuredContent"]["groups"]}
    for product in synced.products():
        executed = [
            t
            for t in product["tests"]
            if not t["poisoned"] and t["status"] in {"running", "locked", "archived"}
        ]
        if executed:
            assert groups[product["id"]]["tests"] == len(executed)
            bugs = groups[product["id"]]["quality"]["bugs"]["total"]
            assert bugs == sum(len(t["bugs"]) for t in executed)


def test_inspector_calls_list_bugs(synced: World) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    bugs = [b for t in product["tests"] if not t["poisoned"] for b in t["bugs"]]
    result = inspect(
        synced,
        "--method",
        "tools/call",
        "--tool-name",
        "list_bugs",
        "--tool-args-json",
        json.dumps({"product_id": product["id"], "buckets": ["rejected"], "per_page": 5}),
    )
    listed = result["structuredContent"]
    assert listed["total"] == sum(1 for b in bugs if b["status"] == "rejected")
    assert {b["bucket"] for b in listed["bugs"]} == {"rejected"}


@pytest.mark.sqlite_only
def test_inspector_calls_search(synced: World) -> None:
    result = inspect(
        synced,
        "--method",
        "tools/call",
        "--tool-name",
        "search",
        "--tool-args-json",
        json.dumps({"query": "checkout", "kinds": ["feature", "bug"], "limit": 5}),
    )
    found = result["structuredContent"]
    assert result["isError"] is False
    assert 0 < len(found["hits"]) <= 5
    assert {h["kind"] for h in found["hits"]} <= {"feature", "bug"}


def test_inspector_calls_get_bug_list_features_list_user_stories_and_get_triage_log(
    synced: World,
) -> None:
    """Each remaining data tool answers the Inspector with the numbers the sandbox holds."""
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    bug = next(b for t in product["tests"] if not t["poisoned"] for b in t["bugs"])

    def call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        result = inspect(
            synced,
            "--method",
            "tools/call",
            "--tool-name",
            tool,
            "--tool-args-json",
            json.dumps(args),
        )
        assert result["isError"] is False, result
        return result["structuredContent"]

    detail = call("get_bug", {"bug_id": bug["id"]})
    assert (detail["id"], detail["severity"]) == (bug["id"], bug["severity"])
    features = call("list_features", {"product_id": product["id"]})
    assert features["total"] == len(product["feature_ids"])
    stories = call("list_user_stories", {"product_id": product["id"]})
    assert stories["total"] == product["story_count"]
    log = call("get_triage_log", {"limit": 5})
    assert log["entries"] == []
