"""Fixtures shared by every test directory: the cache database, a sandbox world, a synced cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import attrs
import pytest
from mcp import Client

from testio.sandbox import SandboxConfig
from testio.server.http import http_app
from tests.databases import ENGINES, postgres_server, sqlite_url
from tests.server.http_server import CLIENT_TOKEN, RunningHttp, http_transport
from tests.world import NOW, World


@pytest.fixture(params=ENGINES)
async def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty cache database: a SQLite file, then a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "cache.db")
        return
    async with postgres_server().database() as url:
        yield url


@pytest.fixture
def world(tmp_path: Path, cache_url: str) -> World:
    return World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW), database_url=cache_url)


@pytest.fixture
async def synced(world: World) -> World:
    await world.sync()
    return world


@pytest.fixture(
    params=[("memory", "legacy"), ("memory", "auto"), ("http", "legacy"), ("http", "auto")],
    ids=["legacy", "auto", "http-legacy", "http-auto"],
)
async def connect(
    request: pytest.FixtureRequest, synced: World
) -> AsyncIterator[Callable[[], Client]]:
    """Opens an MCP client of the server (used as `async with connect() as mcp:`).

    In memory, or over streamable HTTP to `testio serve --http`'s app on a loopback port, in
    both protocol eras. The client is entered inside each test, not in a fixture: its task
    group must be entered and left by the same task.
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
    run on SQLite; PostgreSQL runs with the in-memory legacy client. Tests marked
    `sqlite_only` (full-text search, which PostgreSQL caches do not have) run on SQLite only.

    The transport, the protocol era and the cache engine are independent layers; crossing
    them all would double the run time and prove nothing more.
    """
    keep: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params: dict[str, object] = callspec.params if callspec is not None else {}
        on_postgres = params.get("cache_url") == "postgresql"
        if on_postgres and item.get_closest_marker("sqlite_only") is not None:
            continue
        if on_postgres and params.get("connect") not in (None, ("memory", "legacy")):
            continue
        keep.append(item)
    items[:] = keep
