"""The low-level MCP server: tool listing, one dispatcher, and the lifespan that owns the app."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import mcp.types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from testio.app import App
from testio.config import Settings
from testio.dates import DateRangeError
from testio.errors import ApiError, AuthenticationError, TestioError
from testio.serialize import to_jsonable
from testio.server.connection import AppHandle
from testio.server.tools.registry import listed_tools
from testio.server.tools.spec import ToolSpec
from testio.server.tools.triage import WRITE_TOOLS
from testio.server.validation import ArgumentChecker
from testio.version import __version__

log = logging.getLogger("testio.server")
warnings.filterwarnings("ignore", message="The logging capability is deprecated")

INSTRUCTIONS = (
    "Answers questions about the user's crowdtesting on TestIO from a local cache of the TestIO "
    "Customer API: products, tests, bugs, triage, and Executive Business Review (EBR) reports. "
    "Start with list_products to find a product_id, then list_tests or generate_ebr_report. "
    "Every result says how fresh its data is (data_as_of) and lists warnings when data is stale "
    "or incomplete; mention them to the user. Rates are fractions in [0, 1] and null means no data."
)
WRITE_INSTRUCTIONS = (
    " triage_bugs writes to TestIO: call it without confirmation_token first, show the user "
    "its preview, and confirm with the token only after the user agrees."
)

Ctx = ServerRequestContext[AppHandle]


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], is_error=True
    )


class _Registered:
    """A tool spec with its compiled argument checker and its MCP Tool."""

    def __init__(self, spec: ToolSpec) -> None:
        self.spec = spec
        self.checker = ArgumentChecker(spec.input_schema)
        self.tool = types.Tool(
            name=spec.name,
            title=spec.title,
            description=spec.description,
            input_schema=spec.input_schema,
            output_schema=spec.output_schema,
            annotations=types.ToolAnnotations(
                title=spec.title,
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                idempotent_hint=spec.idempotent,
                open_world_hint=spec.open_world,
            ),
        )


def _expected_failure(name: str, exc: Exception) -> str | None:
    """The one-sentence message for a failure we expect, or None for a bug of ours."""
    if isinstance(exc, AuthenticationError):
        return (
            "The TestIO API refused the token; check TESTIO_API_TOKEN (TestIO: Integrations → API)."
        )
    if isinstance(exc, ApiError):
        return f"The TestIO API could not answer: {exc}"
    if isinstance(exc, TestioError | DateRangeError):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return f"{name} took too long and was stopped; try a narrower request."
    return None


def build_server(
    settings: Settings | None = None,
    *,
    app_factory: Any = None,
    background_refresh: bool = True,
) -> Server[AppHandle]:
    """The low-level MCP server; `app_factory()` (default: `App(settings)`) runs once per connection.

    The write tools are listed only when `settings.allow_writes` is on; when it is off, a
    call to one is refused with a sentence saying how to turn writes on.
    """
    if settings is None and app_factory is None:
        settings = Settings.from_env()
    allow_writes = settings is not None and settings.allow_writes
    registered = {spec.name: _Registered(spec) for spec in listed_tools(allow_writes=allow_writes)}
    write_tools = {spec.name for spec in WRITE_TOOLS}

    def make_app() -> App:
        return app_factory() if app_factory is not None else App(settings)

    @asynccontextmanager
    async def lifespan(_: Server[AppHandle]) -> AsyncGenerator[AppHandle]:
        handle = AppHandle(make_app, background_refresh=background_refresh)
        handle.start()
        try:
            yield handle
        finally:
            with anyio.CancelScope(shield=True):
                await handle.close()

    async def list_tools(
        ctx: Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[r.tool for r in registered.values()])

    async def call_tool(ctx: Ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        entry = registered.get(params.name)
        if entry is None and params.name in write_tools:
            return _error(
                f"{params.name} is off because writes to TestIO are not allowed; set "
                "TESTIO_ALLOW_WRITES=1 (or allow_writes = true in the config file) and restart "
                "the server."
            )
        if entry is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"Unknown tool: {params.name[:100]}; call tools/list for the available tools.",
            )
        args: Any = params.arguments if params.arguments is not None else {}
        problem = entry.checker.problem(args)
        if problem is not None:
            return _error(f"Invalid arguments for {params.name}: {problem}")

        async def progress(done: float, total: float | None, message: str) -> None:
            await ctx.session.report_progress(done, total, message)

        try:
            app = await ctx.lifespan_context.get()
            result = await entry.spec.handler(app, args, progress)
        except Exception as exc:
            message = _expected_failure(params.name, exc)
            if message is None:
                log.exception("tool %s failed", params.name)
                return _error(
                    f"{params.name} failed with an internal error; the server log has the details."
                )
            log.info("tool %s: %s", params.name, message)
            return _error(message)
        data = to_jsonable(result)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
            structured_content=data,
        )

    return Server(
        "testio",
        version=__version__,
        title="TestIO",
        instructions=INSTRUCTIONS + (WRITE_INSTRUCTIONS if allow_writes else ""),
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
