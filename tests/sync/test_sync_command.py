"""`testio sync`: progress, summary, exit codes and one-sentence errors."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from sync_world import API_URL, sandbox_app

from testio.cli.progress import CLEAR_LINE, SyncProgressDisplay
from testio.cli.sync import run_sync
from testio.client import TestIOClient
from testio.config import Settings
from testio.domain.sync import SyncProgress

CLEAN_SPEC: dict[str, Any] = {
    "token": "clean",
    "products": [
        {
            "id": 10,
            "name": "Shop",
            "features": [{"id": 500}],
            "tests": [
                {"id": 101, "status": "archived", "end_at": "2026-11-01T10:00:00Z", "bugs": 3},
                {"id": 102, "status": "locked", "end_at": "2026-11-10T10:00:00Z", "bugs": 2},
            ],
        }
    ],
}


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _client(settings: Settings, transport: httpx.AsyncBaseTransport) -> TestIOClient:
    return TestIOClient(settings, transport=transport, backoff_base=0.0)


def _settings(tmp_path: Path, token: str | None) -> Settings:
    return Settings(
        api_url=API_URL, api_token=token, database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    )


async def test_a_complete_sync_prints_a_summary_and_exits_0(tmp_path: Path) -> None:
    """Plain progress lines per product, then the counts; exit code 0."""
    app = sandbox_app(spec=CLEAN_SPEC)
    out, err = io.StringIO(), io.StringIO()
    settings = _settings(tmp_path, "clean")
    code = await run_sync(
        settings,
        full=False,
        product_ids=None,
        out=out,
        err=err,
        client=_client(settings, httpx.ASGITransport(app)),
    )
    lines = out.getvalue().splitlines()
    assert code == 0
    assert "Shop: reading tests…" in lines
    assert "Shop: done, 2 tests (2 new), 5 bugs in 1 batches" in lines
    assert lines[-1].startswith("Sync complete in ")
    assert "2 new and 0 changed tests, 5 bugs written" in lines[-1]
    assert err.getvalue() == ""


async def test_a_partial_sync_lists_what_is_missing_and_exits_2(tmp_path: Path) -> None:
    """A poisoned test makes the sync partial; the summary says what is missing."""
    app = sandbox_app("small")
    out = io.StringIO()
    settings = _settings(tmp_path, app.sandbox.tokens[0])
    code = await run_sync(
        settings,
        full=True,
        product_ids=None,
        out=out,
        client=_client(settings, httpx.ASGITransport(app)),
    )
    text = out.getvalue()
    assert code == 2
    assert "Sync partial in " in text
    assert "Missing (1):\n  - TestIO fails with HTTP 500 at offset 14" in text


async def test_a_missing_token_is_one_sentence_on_stderr_and_exit_1(tmp_path: Path) -> None:
    """No traceback: the message says how to set the token."""
    out, err = io.StringIO(), io.StringIO()
    code = await run_sync(_settings(tmp_path, None), full=False, product_ids=None, out=out, err=err)
    assert code == 1
    assert err.getvalue().count("\n") == 1
    assert "TESTIO_API_TOKEN" in err.getvalue()
    assert out.getvalue() == ""


async def test_a_wrong_token_is_one_sentence_on_stderr_and_exit_1(tmp_path: Path) -> None:
    """HTTP 401 from the API becomes a sentence naming the setting to check."""
    app = sandbox_app("small")
    err = io.StringIO()
    settings = _settings(tmp_path, "not-a-token")
    code = await run_sync(
        settings,
        full=False,
        product_ids=None,
        out=io.StringIO(),
        err=err,
        client=_client(settings, httpx.ASGITransport(app)),
    )
    assert code == 1
    assert err.getvalue().startswith("testio: TestIO refused the API token (HTTP 401)")
    assert err.getvalue().count("\n") == 1


async def test_an_unreachable_api_is_one_sentence_on_stderr_and_exit_1(tmp_path: Path) -> None:
    """Connection failures are reported, not raised."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = _settings(tmp_path, "token")
    settings = Settings(
        api_url=settings.api_url,
        api_token="token",
        database_url=settings.database_url,
        max_retries=1,
    )
    err = io.StringIO()
    code = await run_sync(
        settings,
        full=False,
        product_ids=None,
        out=io.StringIO(),
        err=err,
        client=_client(settings, httpx.MockTransport(refuse)),
    )
    assert code == 1
    assert err.getvalue().startswith("testio: the sync failed: ")
    assert err.getvalue().count("\n") == 1


def _event(pid: int, phase: str, **counts: int) -> SyncProgress:
    return SyncProgress(
        phase=phase,  # pyright: ignore[reportArgumentType]  # the phases used here are valid
        message="",
        product_id=pid,
        product_name=f"P{pid}",
        products_total=2,
        **counts,
    )


def test_on_a_terminal_progress_is_one_line_redrawn_in_place() -> None:
    """Every redraw starts by clearing the line; closing leaves a clean line."""
    out = Terminal()
    display = SyncProgressDisplay(out, interval=0.0)
    display.update(_event(1, "tests", pages_done=1, tests_seen=25, tests_new=25))
    display.update(_event(2, "bugs", pages_done=2, tests_seen=40, bug_batches_total=3))
    display.close()
    text = out.getvalue()
    assert "\n" not in text
    assert text.count(CLEAR_LINE) == 3
    assert "3 pages · 65 tests (25 new) · bug batches 0/3" in text


def test_on_a_terminal_redraws_are_throttled_except_phase_changes() -> None:
    """Within the interval only a phase change redraws."""
    out = Terminal()
    now = [0.0]
    display = SyncProgressDisplay(out, interval=1.0, clock=lambda: now[0])
    display.update(_event(1, "tests", pages_done=1))
    display.update(_event(1, "tests", pages_done=2))
    display.update(_event(1, "bugs", pages_done=2))
    assert out.getvalue().count(CLEAR_LINE) == 2


def test_without_a_terminal_progress_is_one_plain_line_per_phase() -> None:
    """Pages within a phase print nothing; phase changes print a line each."""
    out = io.StringIO()
    display = SyncProgressDisplay(out)
    display.update(_event(1, "tests", pages_done=1))
    display.update(_event(1, "tests", pages_done=2, tests_seen=50, tests_new=3))
    display.update(_event(1, "bugs", pages_done=2, tests_seen=50, tests_new=3))
    assert out.getvalue().splitlines() == [
        "P1: reading tests…",
        "P1: 50 tests (3 new) in 2 pages; fetching bugs…",
    ]
