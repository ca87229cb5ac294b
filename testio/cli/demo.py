"""`testio demo`: the whole product against the built-in sandbox, with no account and no setup.

It starts the sandbox on loopback, syncs it into a temporary cache, launches `testio serve`
as a real stdio subprocess, calls every tool through the MCP client, and prints what it saw.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

import anyio

from testio.config import Settings


def _short(data: Any, limit: int = 300) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _summary(name: str, data: dict[str, Any]) -> str:
    """One or two readable lines about a tool's result."""
    if name == "health_check":
        api = data["api"]
        return (
            f"status {data['status']}; API reachable={api['reachable']} "
            f"({api['latency_ms']} ms, {api['product_count']} products); schema v"
            f"{data['database']['schema_version']}; last sync {data['last_sync']['status'] if data['last_sync'] else 'none'}"
        )
    if name == "list_products":
        names = ", ".join(
            f"{p['name']} ({p['id']}: {p['test_count']} tests)" for p in data["products"][:6]
        )
        return f"{data['total']} products: {names}"
    if name == "list_tests":
        first = data["tests"][0] if data["tests"] else None
        newest = f"; newest: {first['id']} {first['title']!r} ({first['status']})" if first else ""
        return f"{data['total']} tests, page {data['page']}, has_more={data['has_more']}{newest}"
    if name == "get_test_status":
        q = data["quality"]
        return (
            f"test {data['test']['id']} {data['test']['title']!r} is {data['test']['status']}: "
            f"{q['bugs']['total']} bugs, rejection {q['rates']['rejection_rate']}, "
            f"health {q['health']['overall']}"
        )
    if name == "generate_ebr_report":
        s = data["summary"]
        return (
            f"{data['tests_in_scope']} tests, {s['bugs']['total']} bugs, overall acceptance "
            f"{s['rates']['overall_acceptance_rate']}, health {s['health']['overall']}; file {data['output_file']}"
        )
    if name == "get_database_stats":
        return f"{data['products']} products, {data['tests']} tests, {data['bugs']} bugs, {data['file_size_bytes']} bytes"
    if name == "get_sync_history":
        summary = data["summary"]
        statuses = ", ".join(f"{n} {status}" for status, n in summary["by_status"].items())
        runs = summary["runs"]
        return f"{runs} sync run{'' if runs == 1 else 's'} ({statuses})"
    if name == "get_problematic_tests":
        return f"{data['total']} open problems" + (
            f"; first: {data['problems'][0]['message']}" if data["problems"] else ""
        )
    if name == "sync_data":
        return f"{data['status']}: {data['tests_new']} new tests, {data['bugs_upserted']} bugs written, {data['requests']} requests"
    if name == "query_metrics":
        groups = ", ".join(
            f"{g['severity']} {g['quality']['bugs']['total']}" for g in data["groups"]
        )
        return f"{data['groups_total']} severity groups over {data['tests_in_scope']} tests; top: {groups}"
    if name == "get_triage_log":
        return f"{data['total']} triage writes recorded (writes are off in the demo)"
    if name == "list_bugs":
        first = data["bugs"][0] if data["bugs"] else None
        newest = f"; newest: {first['id']} {first['title']!r} ({first['bucket']})" if first else ""
        return f"{data['total']} bugs, has_more={data['has_more']}{newest}"
    if name == "get_bug":
        reason = data["reject_reason"]
        return (
            f"bug {data['id']} {data['title']!r}: {data['severity']}, {data['bucket']}, "
            f"{len(data['steps'])} steps, {len(data['comments'])} comments"
            + (f", rejected as {reason['name']!r}" if reason else "")
        )
    if name in ("list_features", "list_user_stories"):
        items = data["features"] if name == "list_features" else data["user_stories"]
        first = f"; first: {items[0]['title']!r}" if items else ""
        return f"{data['total']} {name.removeprefix('list_').replace('_', ' ')}{first}"
    if name == "search":
        top = data["hits"][0] if data["hits"] else None
        best = f"; best: {top['kind']} {top['id']}: {top['snippet']}" if top else ""
        return f"{len(data['hits'])} hits for {data['query']!r}{best}"
    return _short(data)


async def run_demo(*, size: str = "medium", seed: int = 1, out: TextIO = sys.stdout) -> int:
    """Run the demo; returns the exit code."""
    from mcp import Client, StdioServerParameters

    from testio.cli.sync import run_sync
    from testio.sandbox import RunningSandbox, SandboxConfig

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="testio-demo-") as tmp:
        root = Path(tmp)
        out.write(f"Starting the TestIO sandbox ({size} dataset, seed {seed}) on loopback...\n")
        async with RunningSandbox(SandboxConfig(seed=seed, size=size)) as sandbox:  # pyright: ignore[reportArgumentType]
            settings = Settings(
                api_url=sandbox.base_url,
                api_token=sandbox.tokens[0],
                database_url=f"sqlite+aiosqlite:///{root / 'cache.db'}",
                reports_dir=root / "reports",
                refresh_interval_s=0,
            )
            out.write(f"Sandbox at {sandbox.base_url}\n\nSyncing into {root / 'cache.db'}\n")
            code = await run_sync(settings, full=False, product_ids=None, out=out)
            if code == 1:
                out.write("The sync failed; see above.\n")
                return 1
            out.write("\nLaunching `testio serve` over stdio and calling every tool:\n\n")
            env = {
                "TESTIO_API_URL": settings.api_url,
                "TESTIO_API_TOKEN": sandbox.tokens[0],
                "TESTIO_DATABASE_URL": settings.database_url,
                "TESTIO_REPORTS_DIR": str(settings.reports_dir),
                "TESTIO_REFRESH_INTERVAL": "0",
                "TESTIO_LOG_LEVEL": "WARNING",
            }
            params = StdioServerParameters(
                command=sys.executable, args=["-m", "testio", "serve"], env=env
            )
            with anyio.fail_after(300):
                async with Client(params, mode="legacy") as client:
                    products = await _call(client, out, "list_products", {})
                    product = max(products["products"], key=lambda p: p["test_count"])
                    pid = product["id"]
                    await _call(client, out, "health_check", {})
                    tests = await _call(
                        client, out, "list_tests", {"product_id": pid, "per_page": 5}
                    )
                    report = await _call(
                        client,
                        out,
                        "generate_ebr_report",
                        {
                            "product_id": pid,
                            "start_date": "last year",
                            "end_date": "this year",
                            "output_file": "demo-ebr.md",
                            "max_rows": 5,
                        },
                    )
                    rows: list[dict[str, Any]] = report["tests"] or tests["tests"]
                    if rows:
                        busiest = max(
                            rows, key=lambda r: r.get("quality", {}).get("bugs", {}).get("total", 0)
                        )
                        args = {"test_id": busiest["id"], "recent_bugs": 3}
                        await _call(client, out, "get_test_status", args)
                        rejected = await _call(
                            client,
                            out,
                            "list_bugs",
                            {"test_ids": [busiest["id"]], "buckets": ["rejected"], "per_page": 3},
                        )
                        if rejected["bugs"]:
                            bug_id = rejected["bugs"][0]["id"]
                            await _call(client, out, "get_bug", {"bug_id": bug_id})
                    await _call(client, out, "list_features", {"product_id": pid, "per_page": 5})
                    await _call(
                        client, out, "list_user_stories", {"product_id": pid, "per_page": 5}
                    )
                    await _call(client, out, "search", {"query": "checkout crash", "limit": 5})
                    await _call(client, out, "get_database_stats", {})
                    await _call(client, out, "get_sync_history", {"limit": 3})
                    await _call(client, out, "get_problematic_tests", {})
                    await _call(client, out, "sync_data", {})
                    await _call(
                        client, out, "query_metrics", {"group_by": ["severity"], "limit": 3}
                    )
                    await _call(client, out, "get_triage_log", {"limit": 5})
                    bad = await client.call_tool("list_tests", {"product_id": "not-a-number"})
                    text = (
                        bad.content[0].text if bad.content and bad.content[0].type == "text" else ""
                    )
                    out.write(f"→ list_tests with a bad argument → tool error: {text}\n\n")
            out.write("EBR summary\n")
            out.write(_ebr_text(report))
    out.write(f"\nDemo finished in {time.perf_counter() - started:.1f} s.\n")
    return 0


async def _call(client: Any, out: TextIO, name: str, args: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    result = await client.call_tool(name, args)
    ms = (time.perf_counter() - t0) * 1000
    if result.is_error:
        text = result.content[0].text if result.content else ""
        out.write(f"→ {name}({_short(args, 120)}) ERROR: {text}\n\n")
        raise SystemExit(1)
    data: dict[str, Any] = result.structured_content or {}
    out.write(f"→ {name}({_short(args, 120)})  [{ms:.0f} ms]\n  {_summary(name, data)}\n\n")
    return data


def _ebr_text(report: dict[str, Any]) -> str:
    s = report["summary"]
    scope = report["scope"]
    lines = [
        f"  Product: {scope['product']['title']} ({scope['product']['id']}), tests ending "
        f"{scope['start_date']} to {scope['end_date']}, statuses {', '.join(scope['statuses'])}",
        f"  Tests in scope: {report['tests_in_scope']}; bugs: {s['bugs']['total']} "
        f"(active accepted {s['bugs']['active_accepted']}, auto accepted {s['bugs']['auto_accepted']}, "
        f"rejected {s['bugs']['rejected']}, open {s['bugs']['open']}; known {s['bugs']['known']})",
    ]
    for key, label in (
        ("active_acceptance_rate", "active acceptance"),
        ("overall_acceptance_rate", "overall acceptance"),
        ("auto_acceptance_rate", "auto acceptance"),
        ("rejection_rate", "rejection"),
        ("review_rate", "review"),
    ):
        value = s["rates"][key]
        health = s["health"].get(key, "")
        shown = "n/a" if value is None else f"{value * 100:.1f}%"
        lines.append(f"  {label:<20} {shown:>7}  {health}")
    lines.append(f"  Overall health: {s['health']['overall']}")
    lines.append(
        f"  Full report written to {report['output_file']} (removed with the demo's temporary files)"
    )
    return "\n".join(lines) + "\n"
