"""`testio serve` lists the write tool only when the environment allows writes."""

from __future__ import annotations

import logging

import anyio
import pytest
from mcp import Client

from tests.mcp_calls import call
from tests.server.test_stdio import params
from tests.triage.conftest import Connect, Open
from tests.world import World


@pytest.mark.parametrize(("allow", "listed"), [("1", True), ("0", False)])
async def test_serve_over_stdio_lists_triage_bugs_only_with_testio_allow_writes(
    synced: World, allow: str, listed: bool
) -> None:
    """The real server process reads TESTIO_ALLOW_WRITES at start-up."""
    with anyio.fail_after(60):
        async with Client(params(synced, TESTIO_ALLOW_WRITES=allow), mode="legacy") as client:
            names = {t.name for t in (await client.list_tools()).tools}
    assert ("triage_bugs" in names) is listed
    assert "get_triage_log" in names


async def test_no_log_line_carries_the_confirmation_token_or_the_api_token(
    legacy: Connect, synced: World, open_bugs: Open, caplog: pytest.LogCaptureFixture
) -> None:
    """Preview, a refused reuse and a write, logged at debug level, never show a secret."""
    args = {"bug_ids": list(open_bugs.bug_ids[:2]), "action": "accept"}
    caplog.set_level(logging.DEBUG)
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        token = preview["confirmation_token"]
        confirmed = {**args, "confirmation_token": token}
        await call(mcp, "triage_bugs", confirmed)
        reused = await mcp.call_tool("triage_bugs", confirmed)
    assert reused.is_error
    assert any("PUT bugs/" in r.getMessage() for r in caplog.records)
    api_token = synced.settings.api_token
    assert api_token
    for record in caplog.records:
        text = record.getMessage()
        assert token not in text
        assert token.split(".")[1] not in text
        assert api_token not in text
