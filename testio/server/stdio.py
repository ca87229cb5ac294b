"""MCP over stdin/stdout: what AI clients launch as `testio serve`."""

from __future__ import annotations

import asyncio

from testio.config import Settings
from testio.server.mcp_server import build_server


async def serve_stdio(settings: Settings) -> None:
    """Serve MCP over stdin/stdout until the client goes away."""
    from mcp.server.stdio import stdio_server

    server = build_server(settings)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def run(settings: Settings) -> None:
    """Entry point of `testio serve` (blocking)."""
    asyncio.run(serve_stdio(settings))
