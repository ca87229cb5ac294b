"""Two `testio sync` processes on one cache: the second waits for the first; no row twice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
from sqlalchemy import func, select

from testio.cache.engine import open_engine, session_factory
from testio.cache.models import BugRow, ProblemRow, SyncEventRow, TestRow
from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from tests.reliability.processes import cli_command, cli_env
from tests.world import NOW


async def test_two_sync_processes_at_once_run_one_after_the_other_without_duplicates(
    tmp_path: Path, cache_url: str
) -> None:
    """Both exit as a lone sync would; one said it waited; every row is stored once."""
    config = SandboxConfig(seed=1, size="small", now=NOW, faults=Faults(latency_ms=(20.0, 40.0)))
    async with RunningSandbox(config) as sandbox:
        env = cli_env(
            tmp_path,
            api_url=sandbox.base_url,
            token=sandbox.tokens[0],
            TESTIO_DATABASE_URL=cache_url,
        )
        outputs: list[tuple[int, str]] = []

        async def run() -> None:
            done = await anyio.run_process(
                cli_command("sync"), env=env, check=False, stderr=subprocess.STDOUT
            )
            outputs.append((done.returncode, done.stdout.decode()))

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                tg.start_soon(run)
                tg.start_soon(run)
        truth = sandbox.sandbox.ground_truth()["accounts"][0]["products"]
    engine = await open_engine(cache_url)
    try:
        async with session_factory(engine)() as session:
            events = list(await session.scalars(select(SyncEventRow).order_by(SyncEventRow.id)))
            counts = {
                model.__name__: (
                    await session.scalar(select(func.count()).select_from(model)),
                    await session.scalar(select(func.count(func.distinct(key)))),
                )
                for model, key in (
                    (TestRow, TestRow.id),
                    (BugRow, BugRow.id),
                    (ProblemRow, ProblemRow.kind + ProblemRow.key),
                )
            }
    finally:
        await engine.dispose()
    # Partial, as a lone sync of the small sandbox is: its first page holds a poisoned test.
    assert sorted(code for code, _ in outputs) == [2, 2], outputs
    assert sum("Waiting for another sync to finish" in text for _, text in outputs) == 1
    assert [e.trigger for e in events] == ["cli", "cli"]
    assert events[0].ended_at is not None
    assert events[0].ended_at <= events[1].started_at
    served = [t for p in truth for t in p["tests"] if not t["poisoned"]]
    assert counts["TestRow"] == (len(served), len(served))
    assert counts["BugRow"][0] == counts["BugRow"][1]
    assert counts["BugRow"][0]
    assert counts["ProblemRow"][0] == counts["ProblemRow"][1]
