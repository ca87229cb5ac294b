"""Fixtures: MCP clients of a server on a synced sandbox cache, and the raw API beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.world import API_URL, World

Connect = Callable[[], Client]


@pytest.fixture(params=["legacy", "auto"])
def connect(request: pytest.FixtureRequest, synced: World) -> Connect:
    """An in-memory MCP client of the server, in both protocol eras (enter it in the test)."""
    mode = request.param
    return lambda: Client(synced.server(), mode=mode)


async def raw_api(world: World, path: str, **params: str) -> Any:
    """What the sandbox API itself answers to `GET path` for the world's token."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=world.asgi),
        base_url=API_URL + "/",
        headers={"Authorization": f"Token {world.sandbox.tokens[0]}"},
    ) as http:
        response = await http.get(path, params=params)
        response.raise_for_status()
        return response.json()
