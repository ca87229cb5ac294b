"""Soak: 10,000 tool calls through the MCP client leave no connection, no warning, no growth.

Calls mix every tool with valid arguments, bad arguments, unknown ids, an unknown tool, and
syncs cancelled midway. Resident memory is measured after the first 1,000 calls and at the
end (after a garbage collection each time).
"""

from __future__ import annotations

import gc
import random
import warnings
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from testio.app import App
from testio.cache.engine import connections_checked_out
from testio.server import build_server
from tests.reliability.faulty_world import synced_result
from tests.world import World

CALLS = 10_000
WARM_UP = 1_000
SEED = 5
Expect = Literal["ok", "error", "cancel", "protocol"]
Call = tuple[str, dict[str, Any], Expect]


def resident_kib() -> int:
    """This process's resident memory (VmRSS) in KiB, after a full garbage collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def _menu(world: World) -> list[tuple[int, Call]]:
    """Weighted calls: every tool, good and bad arguments, unknown ids, cancellations."""
    products = world.products()
    pid = products[0]["id"]
    tests = [t["id"] for p in products for t in p["tests"] if not t["poisoned"]]
    poisoned = [t["id"] for p in products for t in p["tests"] if t["poisoned"]]
    menu: list[tuple[int, Call]] = [
        (8, ("list_products", {}, "ok")),
        (2, ("list_products", {"search": "a"}, "ok")),
        (6, ("list_tests", {"product_id": pid}, "ok")),
        (4, ("list_tests", {"product_id": pid, "statuses": ["archived"], "page": 2}, "ok")),
        (3, ("generate_ebr_report", {"product_id": pid}, "ok")),
        (2, ("generate_ebr_report", {"product_id": pid, "start_date": "last 3 months"}, "ok")),
        (1, ("generate_ebr_report", {"product_id": pid, "output_file": "soak.md"}, "ok")),
        (5, ("get_database_stats", {}, "ok")),
        (5, ("get_sync_history", {"limit": 3}, "ok")),
        (5, ("get_problematic_tests", {}, "ok")),
        (4, ("health_check", {}, "ok")),
        (1, ("sync_data", {}, "ok")),
        (2, ("sync_data", {"full": True}, "cancel")),
        (5, ("list_tests", {"product_id": "598"}, "error")),
        (3, ("get_test_status", {"test_id": -1}, "error")),
        (3, ("generate_ebr_report", {"product_id": pid, "start_date": "soon"}, "error")),
        (2, ("generate_ebr_report", {"product_id": pid, "output_file": "../x.md"}, "error")),
        (3, ("list_tests", {"product_id": 1}, "error")),
        (3, ("get_test_status", {"test_id": 1}, "error")),
        (1, ("no_such_tool", {}, "protocol")),
    ]
    for test_id in tests[:25]:
        menu.append((1, ("get_test_status", {"test_id": test_id}, "ok")))
    for test_id in poisoned:
        menu.append((1, ("get_test_status", {"test_id": test_id}, "error")))
    return menu


class Recording:
    """Builds the server's apps and keeps them, so the test can look at their engines."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.apps: list[App] = []

    def __call__(self) -> App:
        app = self.world.app()
        self.apps.append(app)
        return app


async def _one(mcp: Client, call: Call, outcomes: dict[str, int]) -> None:
    name, args, expect = call
    if expect == "cancel":
        with anyio.move_on_after(0.02) as scope:
            await mcp.call_tool(name, args)
        outcomes["cancelled" if scope.cancelled_caught else "finished"] += 1
        return
    if expect == "protocol":
        with pytest.raises(MCPError):
            await mcp.call_tool(name, args)
        outcomes["protocol errors"] += 1
        return
    result = await mcp.call_tool(name, args)
    if expect == "error":
        assert result.is_error, (name, args)
        outcomes["tool errors"] += 1
        return
    busy = name == "sync_data" and result.is_error and "Another sync is running" in str(result)
    assert not result.is_error or busy, (name, args, result.content)
    outcomes["busy" if busy else "ok"] += 1


@pytest.mark.slow
async def test_ten_thousand_calls_leave_no_connection_no_warning_and_flat_memory(
    world: World,
) -> None:
    await synced_result(world)
    rng = random.Random(SEED)
    weights, calls = zip(*_menu(world), strict=True)
    apps = Recording(world)
    outcomes: dict[str, int] = dict.fromkeys(
        ("ok", "busy", "tool errors", "protocol errors", "cancelled", "finished"), 0
    )
    after_warm_up = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        server = build_server(app_factory=apps, background_refresh=False)
        async with Client(server, mode="legacy") as mcp:
            for n in range(CALLS):
                await _one(mcp, rng.choices(calls, weights)[0], outcomes)
                if n + 1 == WARM_UP:
                    after_warm_up = resident_kib()
            with anyio.fail_after(10):
                while await connections_checked_out(apps.apps[0].engine):  # noqa: ASYNC110 - polling a pool counter
                    await anyio.sleep(0.05)
            checked_out = await connections_checked_out(apps.apps[0].engine)
        at_end = resident_kib()
    noise = [w for w in caught if "logging capability is deprecated" not in str(w.message)]

    growth = (at_end - after_warm_up) / after_warm_up
    print(
        f"\nsoak: {CALLS} calls {outcomes}; resident memory {after_warm_up / 1024:.1f} MiB "
        f"after {WARM_UP} calls, {at_end / 1024:.1f} MiB at the end ({growth:+.1%}); "
        f"checked-out connections {checked_out}; warnings {len(noise)}"
    )
    assert sum(outcomes.values()) == CALLS
    assert outcomes["cancelled"] > 0
    assert checked_out == 0
    assert [str(w.message) for w in noise] == []
    assert growth <= 0.10
