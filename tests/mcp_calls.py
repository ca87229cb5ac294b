"""Calling a tool through an MCP client in a test: its structured result, or its error text."""

from __future__ import annotations

from typing import Any

from mcp import Client


async def call(client: Client, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """The structured result of a tool call that must succeed."""
    result = await client.call_tool(name, args or {})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, name: str, args: dict[str, Any]) -> str:
    """The one-sentence text of a tool call that must fail."""
    result = await client.call_tool(name, args)
    assert result.is_error
    text = result.content[0]
    assert text.type == "text"
    return text.text
