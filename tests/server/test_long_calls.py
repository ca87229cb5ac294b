"""Long tool calls: progress notifications, and cancellation that leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
import pytest
from mcp import Client

from testio.app import App
from testio.cache.engine import connections_checked_out
from testio.sandbox import Faults
from tests.mcp_calls import call
from tests.world import NOW, World


class Recording:
    """Builds the server's apps and remembers them, so a test can inspect their engines."""

    def __init__(self, world: World, **overrides: Any) -> None:
        self.world = world
        self.overrides = overrides
        self.apps: list[App] = []

    def __call__(self) -> App:
        app = self.world.app(**self.overrides)
        self.apps.append(app)
        return app


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_cancelled_sync_leaves_the_connection_usable_and_no_session_open(
    synced: World, mode: Any
) -> None:
    from testio.server import build_server

    apps = Recording(synced)
    synced.sandbox.set_faults(Faults(latency_ms=(150.0, 150.0)))
    async with Client(build_server(app_factory=apps, background_refresh=False), mode=mode) as mcp:
        with anyio.move_on_after(0.5) as scope:
            await mcp.call_tool("sync_data", {"full": True})
        assert scope.cancelled_caught
        synced.sandbox.set_faults(Faults())
        data = await call(mcp, "list_products")
        assert data["total"] == len(synced.products())
        with anyio.fail_after(10):
            while await connections_checked_out(apps.apps[0].engine):  # noqa: ASYNC110 - polling a pool counter
                await anyio.sleep(0.05)
        history = await call(mcp, "get_sync_history")
    assert history["events"][0]["status"] in {"cancelled", "running"}


async def test_report_refreshing_changing_tests_sends_progress(synced: World) -> None:
    from testio.server import build_server

    product = max(
        synced.products(),
        key=lambda p: sum(t["status"] in {"locked", "running"} for t in p["tests"]),
    )
    assert any(t["status"] in {"locked", "running"} for t in product["tests"])
    seen: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total))

    later = NOW + timedelta(hours=2)  # past the bug TTL of the changing tests
    server = build_server(
        app_factory=lambda: synced.app(at=lambda: later), background_refresh=False
    )
    async with Client(server, mode="legacy") as mcp:
        result = await mcp.call_tool(
            "generate_ebr_report", {"product_id": product["id"]}, progress_callback=on_progress
        )
    assert not result.is_error
    assert seen
    assert seen[-1][0] == seen[-1][1]


async def test_a_slow_api_never_holds_an_answer_past_the_refresh_timeout(synced: World) -> None:
    from testio.server import build_server

    product = next(p for p in synced.products() if any(t["status"] == "locked" for t in p["tests"]))
    locked = next(t for t in product["tests"] if t["status"] == "locked" and not t["poisoned"])
    synced.sandbox.set_faults(Faults(latency_ms=(3000.0, 3000.0)))
    later = NOW + timedelta(hours=2)  # past the bug TTL: the locked test's bugs are due
    server = build_server(
        app_factory=lambda: synced.app(at=lambda: later, refresh_timeout_s=0.3),
        background_refresh=False,
    )
    async with Client(server, mode="legacy") as mcp:
        with anyio.fail_after(2.5):
            data = await call(mcp, "get_test_status", {"test_id": locked["id"]})
    assert data["quality"]["bugs"]["total"] == len(locked["bugs"])
    stale = [w for w in data["warnings"] if w["kind"] == "stale"]
    assert stale
    assert "within 0.3 s" in stale[0]["message"]
    assert locked["id"] in stale[0]["test_ids"]
