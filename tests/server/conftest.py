"""The type of the `connect` fixture (tests/conftest.py): MCP clients of the server."""

from __future__ import annotations

from collections.abc import Callable

from mcp import Client

Connect = Callable[[], Client]
