"""Fixtures: MCP clients of the server, in both protocol eras, in memory and over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import attrs
import pytest
from mcp import Client

from testio.server.http import http_app
from tests.server.http_server import CLIENT_TOKEN, RunningHttp, http_transport
from tests.world import World

Connect = Callable[[], Client]


@pytest.fixture(
    params=[("memory", "legacy"), ("memory", "auto"), ("http", "legacy"), ("http", "auto")],
    ids=["legacy", "auto", "http-legacy", "http-auto"],
)
async def connect(request: pytest.FixtureRequest, synced: World) -> AsyncIterator[Connect]:
    """Opens an MCP client of the server (used as `async with connect() as mcp:`).

    In memory, or over streamable HTTP to `testio serve --http`'s app on a loopback port.
    The client is entered inside each test, not in a fixture: its task group must be
    entered and left by the same task.
    """
    transport, mode = request.param
    if transport == "memory":
        yield lambda: Client(synced.server(), mode=mode)
        return
    settings = attrs.evolve(synced.settings, http_tokens=CLIENT_TOKEN)
    async with RunningHttp(http_app(settings, server=synced.server())) as running:
        yield lambda: Client(http_transport(running.url), mode=mode)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each engine meets each transport once: HTTP (both eras) and the in-memory modern era
    run on SQLite; PostgreSQL runs with the in-memory legacy client.

    The transport, the protocol era and the cache engine are independent layers; crossing
    them all would double the run time and prove nothing more.
    """
    keep: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params: dict[str, object] = callspec.params if callspec is not None else {}
        if params.get("cache_url") == "postgresql" and params.get("connect") not in (
            None,
            ("memory", "legacy"),
        ):
            continue
        keep.append(item)
    items[:] = keep
