"""The MCP tools: name, description for the model, schemas, annotations, and a thin handler.

Each handler enters one service and returns its attrs result; validation, error handling and
serialization happen once, in the server's dispatcher. One module per area (`tests`,
`reports`, `cache`); `registry.TOOLS` lists them all in order.
"""

from __future__ import annotations

from testio.server.tools.registry import TOOLS
from testio.server.tools.spec import ToolSpec

__all__ = ["TOOLS", "ToolSpec"]
