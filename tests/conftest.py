"""Fixtures shared by every test directory: a sandbox world and a cache synced from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mcp import Client

from testio.sandbox import SandboxConfig
from tests.world import NOW, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW))


@pytest.fixture
async def synced(world: World) -> World:
    await world.sync()
    return world


@pytest.fixture(params=["legacy", "auto"])
def connect(request: pytest.FixtureRequest, synced: World) -> Callable[[], Client]:
    """An in-memory MCP client of the server, in both protocol eras (enter it in the test:
    its task group must be entered and left by the same task)."""
    mode = request.param
    return lambda: Client(synced.server(), mode=mode)
