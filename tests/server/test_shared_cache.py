"""A server on a shared cache told not to sync (`TESTIO_SERVE_SYNC=off`) never calls the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mcp import Client

from testio.server.refresh import BackgroundRefresh
from tests.world import NOW, World


@pytest.mark.parametrize(("serve_sync", "calls_api"), [(True, True), (False, False)])
async def test_answers_refresh_bugs_first_only_when_the_server_syncs_itself(
    synced: World, serve_sync: bool, calls_api: bool
) -> None:
    """Two hours on, a running test's bugs are due: fetched first unless serve_sync is off."""
    running = [
        (p, t)
        for p in synced.products()
        for t in p["tests"]
        if t["status"] not in ("archived", "cancelled") and not t["poisoned"]
    ]
    product, test = running[0]
    synced.sandbox.reset_counters()
    later = NOW + timedelta(hours=2)
    server = synced.server(serve_sync=serve_sync, at=lambda: later)
    async with Client(server, mode="legacy") as mcp:
        report = await mcp.call_tool("generate_ebr_report", {"product_id": product["id"]})
        status = await mcp.call_tool("get_test_status", {"test_id": test["id"]})
    assert not report.is_error
    assert not status.is_error
    assert (sum(synced.sandbox.counters().values()) > 0) is calls_api


@pytest.mark.parametrize(("serve_sync", "enabled"), [(True, True), (False, False)])
async def test_the_background_refresh_runs_only_when_the_server_syncs_itself(
    world: World, serve_sync: bool, enabled: bool
) -> None:
    """`serve_sync` off disables the periodic sync even with a refresh interval."""
    async with world.app(serve_sync=serve_sync, refresh_interval_s=3600) as app:
        assert BackgroundRefresh(app).enabled is enabled
