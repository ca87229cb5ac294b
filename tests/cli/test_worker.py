"""`testio worker`: syncs on a schedule, stops cleanly on SIGTERM mid-sync, and the next run
completes the work; health_check and get_sync_history show its runs."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import anyio
from mcp import Client
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from testio.cache.engine import open_engine, session_factory
from testio.cache.models import SyncEventRow, TestRow
from testio.config import Settings
from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from testio.server import build_server
from tests.reliability.processes import cli_command, cli_env
from tests.world import NOW


async def _state(engine: AsyncEngine) -> tuple[list[SyncEventRow], int]:
    async with session_factory(engine)() as session:
        events = list(await session.scalars(select(SyncEventRow).order_by(SyncEventRow.id)))
        tests = await session.scalar(select(func.count()).select_from(TestRow))
    return events, tests or 0


Ready = Callable[[list[SyncEventRow], int, str], bool]
"""Whether to stop the worker, given the sync events, the cached tests and its log so far."""


async def _worker_until(
    env: dict[str, str], log: Path, engine: AsyncEngine, ready: Ready
) -> tuple[int, list[SyncEventRow], int]:
    """Start `testio worker`, wait until `ready(events, tests)`, SIGTERM it; its exit code."""
    with log.open("wb") as stderr:
        process = await anyio.open_process(cli_command("worker"), env=env, stderr=stderr)
        try:
            with anyio.fail_after(90):
                while not ready(*(state := await _state(engine)), log.read_text()):  # noqa: ASYNC110 - polling another process
                    await anyio.sleep(0.05)
                process.send_signal(signal.SIGTERM)
                code = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
            with anyio.CancelScope(shield=True):
                await process.aclose()
    return code, *state


async def test_a_worker_stopped_mid_sync_keeps_its_work_and_the_next_run_completes_it(
    tmp_path: Path, cache_url: str
) -> None:
    """SIGTERM mid-sync: exit 0, the run recorded cancelled; the next run ends as a lone sync."""
    config = SandboxConfig(seed=1, size="small", now=NOW, faults=Faults(latency_ms=(40.0, 60.0)))
    engine = await open_engine(cache_url)
    try:
        async with RunningSandbox(config) as sandbox:
            env = cli_env(
                tmp_path,
                api_url=sandbox.base_url,
                token=sandbox.tokens[0],
                TESTIO_DATABASE_URL=cache_url,
                TESTIO_WORKER_INTERVAL="3600",
            )
            truth = sandbox.sandbox.ground_truth()["accounts"][0]["products"]
            served = sum(1 for p in truth for t in p["tests"] if not t["poisoned"])
            first = await _worker_until(
                env,
                tmp_path / "first.log",
                engine,
                lambda events, tests, _: (
                    bool(events) and events[-1].status == "running" and tests > 0
                ),
            )
            sandbox.sandbox.set_faults(Faults())
            second = await _worker_until(
                env,
                tmp_path / "second.log",
                engine,
                lambda events, _, text: len(events) == 2 and "testio.worker: sync" in text,
            )
            settings = Settings(
                api_url=sandbox.base_url, api_token=sandbox.tokens[0], database_url=cache_url
            )
            async with Client(build_server(settings, background_refresh=False)) as mcp:
                health = (await mcp.call_tool("health_check", {})).structured_content
                history = (await mcp.call_tool("get_sync_history", {})).structured_content
        events, tests = await _state(engine)
    finally:
        await engine.dispose()
    assert (first[0], second[0]) == (0, 0)
    assert [(e.trigger, e.status) for e in events] == [
        ("worker", "cancelled"),
        ("worker", "partial"),
    ]
    assert first[2] < served
    assert tests == served
    first_log = (tmp_path / "first.log").read_text()
    second_log = (tmp_path / "second.log").read_text()
    assert "SIGTERM received: stopping" in first_log
    assert "testio.worker: sync" not in first_log
    assert second_log.count("testio.worker: sync partial in") == 1
    assert health is not None
    assert history is not None
    assert (health["last_sync"]["trigger"], health["last_sync"]["status"]) == ("worker", "partial")
    assert [(e["trigger"], e["status"]) for e in history["events"]] == [
        ("worker", "partial"),
        ("worker", "cancelled"),
    ]
