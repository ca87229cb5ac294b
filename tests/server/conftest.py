"""Fixtures: MCP clients of the server, in both protocol eras."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from mcp import Client

from tests.world import World

Connect = Callable[[], Client]


@pytest.fixture(params=["legacy", "auto"])
def connect(request: pytest.FixtureRequest, synced: World) -> Connect:
    """Opens an in-memory MCP client of the server (used as `async with connect() as mcp:`).

    The client is entered inside each test, not in a fixture: its task group must be entered
    and left by the same task.
    """
    mode = request.param
    return lambda: Client(synced.server(), mode=mode)
