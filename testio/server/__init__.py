"""The MCP server: tool specs, the dispatcher, the app behind a connection, and its transports.

`mcp_server.build_server` builds the low-level server; `stdio.run` serves it over stdio; `tools`
holds the tool specs and their thin handlers; `connection` opens the app once per connection;
`refresh` keeps the cache fresh while the server runs; `validation` checks tool arguments.
"""

from __future__ import annotations

from testio.server.mcp_server import build_server
from testio.server.stdio import run, serve_stdio

__all__ = ["build_server", "run", "serve_stdio"]
