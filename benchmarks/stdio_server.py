"""`testio serve` as a stdio subprocess driven by the MCP client: start-up and tool-call timings."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any, TextIO

import anyio
import attrs
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

SERVE_ARGS = ["-m", "testio", "serve"]
CALL_TIMEOUT_S = 60.0


class ToolFailed(RuntimeError):
    """A tool answered with an error where the benchmark needs a result."""


@attrs.frozen
class CallTimings:
    """Seconds per call of one tool with the same arguments, in call order."""

    tool: str
    seconds: tuple[float, ...]

    @property
    def ms(self) -> list[float]:
        """The timings in milliseconds."""
        return [s * 1000 for s in self.seconds]


def server_parameters(env: Mapping[str, str]) -> StdioServerParameters:
    """`python -m testio serve` with exactly this environment (logging kept to warnings)."""
    return StdioServerParameters(
        command=sys.executable,
        args=SERVE_ARGS,
        env={"TESTIO_LOG_LEVEL": "WARNING", **env},
    )


@asynccontextmanager
async def connect(env: Mapping[str, str], errlog: TextIO) -> AsyncGenerator[Client]:
    """A legacy-mode MCP client of a freshly spawned server; its stderr goes to `errlog`."""
    transport = stdio_client(server_parameters(env), errlog=errlog)
    async with Client(transport, mode="legacy") as client:
        yield client


async def startup_seconds(env: Mapping[str, str], errlog: TextIO) -> float:
    """Seconds from spawning the server to its answer to `tools/list`."""
    with anyio.fail_after(CALL_TIMEOUT_S):
        started = time.perf_counter()
        async with connect(env, errlog) as client:
            tools = await client.list_tools()
            elapsed = time.perf_counter() - started
    if not tools.tools:
        raise ToolFailed("testio serve listed no tools.")
    return elapsed


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool and return its structured result; an error result raises `ToolFailed`."""
    with anyio.fail_after(CALL_TIMEOUT_S):
        result = await client.call_tool(tool, arguments)
    if result.is_error or result.structured_content is None:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise ToolFailed(f"{tool}({arguments}) failed: {text[:300]}")
    return result.structured_content


async def time_calls(
    client: Client, tool: str, arguments: dict[str, Any], *, warmup: int, calls: int
) -> CallTimings:
    """Call a tool `warmup` times untimed, then `calls` times, each timed on its own."""
    for _ in range(warmup):
        await call(client, tool, arguments)
    seconds: list[float] = []
    for _ in range(calls):
        started = time.perf_counter()
        await call(client, tool, arguments)
        seconds.append(time.perf_counter() - started)
    return CallTimings(tool=tool, seconds=tuple(seconds))


def server_log() -> TextIO:
    """A temporary file for the servers' stderr (read back when something fails)."""
    return tempfile.TemporaryFile("w+", encoding="utf-8")


def tail(log: TextIO, lines: int = 20) -> str:
    """The last lines written to a server log."""
    log.flush()
    log.seek(0)
    return "\n".join(log.read().splitlines()[-lines:])
