"""`testio serve` answers 50 concurrent tool calls while `testio sync --full` writes the same cache."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from tests.reliability.processes import cli_command, cli_env, serve_params
from tests.world import NOW

CALLS = 50


def _calls(products: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """50 calls mixing every reading tool, with each product's report twice.

    (`sync_data` is left out: while another sync runs it answers at once that one is running.)
    """
    archived = [t for p in products for t in p["tests"] if t["status"] == "archived"][:12]
    calls: list[tuple[str, dict[str, Any]]] = []
    for product in products:
        calls.append(("generate_ebr_report", {"product_id": product["id"]}))
        calls.append(("generate_ebr_report", {"product_id": product["id"]}))
        calls.append(("list_tests", {"product_id": product["id"], "per_page": 100}))
    calls.extend(("get_test_status", {"test_id": t["id"]}) for t in archived)
    others = ["list_products", "get_database_stats", "get_sync_history"]
    others += ["get_problematic_tests", "health_check"]
    while len(calls) < CALLS:
        calls.append((others[len(calls) % len(others)], {}))
    return calls


async def _sync_running(mcp: Client) -> bool:
    health = (await mcp.call_tool("health_check", {})).structured_content
    return bool(health and health["sync_running"])


@pytest.mark.slow
async def test_fifty_concurrent_calls_during_a_sync_in_another_process_all_succeed(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(seed=1, size="medium", now=NOW)
    async with RunningSandbox(config) as sandbox:
        env = cli_env(tmp_path, api_url=sandbox.base_url, token=sandbox.tokens[0])
        first = await anyio.run_process(cli_command("sync"), env=env, check=False)
        assert first.returncode == 2, first.stderr.decode()[-2000:]
        truth: list[dict[str, Any]] = sandbox.sandbox.ground_truth()["accounts"][0]["products"]
        sandbox.sandbox.set_faults(Faults(latency_ms=(200.0, 300.0)))
        calls = _calls(truth)
        results: dict[int, dict[str, Any]] = {}
        errors: list[str] = []
        serve_log = tmp_path / "serve.stderr"
        sync_log = tmp_path / "sync.stderr"
        with anyio.fail_after(240), sync_log.open("wb") as sync_err:
            async with Client(serve_params(env, serve_log), mode="legacy") as mcp:
                sync = await anyio.open_process(
                    cli_command("sync", "--full"),
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=sync_err,
                )
                while not await _sync_running(mcp):  # noqa: ASYNC110 - polling another process
                    await anyio.sleep(0.05)

                async def one(n: int, name: str, args: dict[str, Any]) -> None:
                    result = await mcp.call_tool(name, args)
                    if result.is_error or result.structured_content is None:
                        errors.append(f"{name} {args}: {result.content}")
                    else:
                        results[n] = {"name": name, "args": args, **result.structured_content}

                async with anyio.create_task_group() as tg:
                    for n, (name, args) in enumerate(calls):
                        tg.start_soon(one, n, name, args)
                overlapped = sync.returncode is None
                calls_done = anyio.current_time()
                code = await sync.wait()
                print(f"\nsync ran on {anyio.current_time() - calls_done:.2f} s after the calls")

    assert errors == []
    assert len(results) == CALLS
    assert overlapped
    assert code == 2
    for log in (serve_log, sync_log):
        text = log.read_text(encoding="utf-8")
        assert "database is locked" not in text
        assert "Traceback" not in text
    reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for result in results.values():
        if result["name"] == "generate_ebr_report":
            reports[result["args"]["product_id"]].append(
                {k: v for k, v in result.items() if k not in ("data_as_of", "name", "args")}
            )
    assert all(a == b for a, b in reports.values())
    by_id = {t["id"]: t for p in truth for t in p["tests"]}
    for result in results.values():
        if result["name"] == "get_test_status":
            test = by_id[result["args"]["test_id"]]
            assert result["quality"]["bugs"]["total"] == len(test["bugs"])
        if result["name"] == "list_products":
            assert result["total"] == len(truth)
