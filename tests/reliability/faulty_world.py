"""Worlds for the reliability tests, and running syncs on them: results, exit codes, tool output."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import attrs
import httpx
from mcp import Client

from testio.cli.sync import run_sync
from testio.client import TestIOClient
from testio.domain.sync import SyncResult
from testio.sandbox import Faults, SandboxConfig, dataset_from_spec
from tests.reliability.rewriting_api import RewritingApi
from tests.world import NOW, World

PATIENT: dict[str, Any] = {"max_retries": 10}
"""Settings under which random faults at the rates used here are always retried away."""


async def synced_result(world: World, *, full: bool = False, **settings: Any) -> SyncResult:
    """One sync of the world's cache through a fresh app; its result."""
    async with world.app(**settings) as app, app.sync() as svc:
        return await svc.sync(full=full)


async def tool(client: Client, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """A tool's structured result; fails the test on a tool error."""
    result = await client.call_tool(name, args or {})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def spec_world(
    folder: Path, *, poisoned: bool = False, faults: Faults | None = None, **config: Any
) -> World:
    """A world on a small hand-built account: two products, 14 tests with bugs.

    Without `poisoned` nothing in it fails for good, so a sync can end complete; with it,
    test 1107 of the first product fails the API's list pages that contain it.
    """
    statuses = ["running", "locked", "locked", *["archived"] * 7]
    shop = [
        {
            "id": 1100 + n,
            "status": status,
            "end_at": f"2026-11-{20 - n:02d}T10:00:00Z",
            "bugs": 3 + n % 4,
            "section": "Web" if n % 2 else "Apps",
            "poisoned": poisoned and n == 7,
        }
        for n, status in enumerate(statuses)
    ]
    blog = [
        {
            "id": 2200 + n,
            "status": "archived",
            "end_at": f"2026-10-{20 - n:02d}T10:00:00Z",
            "bugs": n,
        }
        for n in range(4)
    ]
    spec = {
        "token": "spec-token",
        "products": [
            {
                "id": 10,
                "name": "Shop",
                "sections": ["Web", "Apps"],
                "features": [
                    {"id": 500, "title": "[Checkout] Pay", "sections": ["Web"]},
                    {"id": 501, "title": "[Search] Find", "sections": ["Apps"]},
                ],
                "tests": shop,
            },
            {"id": 20, "name": "Blog", "features": [{"id": 600}], "tests": blog},
        ],
    }
    sandbox = SandboxConfig(
        now=NOW, dataset=dataset_from_spec(spec), faults=faults or Faults(), **config
    )
    return World(folder, sandbox)


async def cli_sync(world: World, *, full: bool = False, **settings: Any) -> tuple[int, str]:
    """`testio sync` (its command function) on the world's cache: exit code and output."""
    options = attrs.evolve(world.settings, **settings) if settings else world.settings
    client = TestIOClient(options, transport=httpx.ASGITransport(world.asgi), backoff_base=0.0)
    out, err = io.StringIO(), io.StringIO()
    code = await run_sync(options, full=full, product_ids=None, out=out, err=err, client=client)
    return code, out.getvalue() + err.getvalue()


def missing_lines(output: str) -> list[str]:
    """The sentences under "Missing (n):" in a sync summary."""
    return [line.removeprefix("  - ") for line in output.splitlines() if line.startswith("  - ")]


def rewriting(world: World) -> RewritingApi:
    """Put a `RewritingApi` in front of the world's sandbox, for every app opened afterwards."""
    api = RewritingApi(world.asgi)
    world.asgi = api  # pyright: ignore[reportAttributeAccessIssue]  # any ASGI app serves the world
    return api
