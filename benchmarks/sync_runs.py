"""`testio sync` as a whole process against the sandbox: time, peak RSS and requests made."""

from __future__ import annotations

import sys
from pathlib import Path

import attrs

from benchmarks.measure import Run, run_measured
from benchmarks.sandbox_process import SandboxProcess
from benchmarks.workspace import Workspace

SYNC_ARGV = (sys.executable, "-m", "testio", "sync")
EXIT_CODES = frozenset({0, 2})
"""`testio sync` exits 2 when data is missing, as poisoned tests always make it: still a sync."""


@attrs.frozen
class SyncRun:
    """One `testio sync` process and the requests the sandbox counted during it."""

    run: Run
    counters: dict[str, int]
    database: Path

    @property
    def requests(self) -> int:
        """All requests counted."""
        return sum(self.counters.values())


def sync_once(
    sandbox: SandboxProcess, workspace: Workspace, database: Path, *, timeout_s: float
) -> SyncRun:
    """Run `testio sync` on a database (new or filled) with the counters reset first."""
    env = workspace.env(sandbox.base_url, sandbox.tokens()[0], database)
    sandbox.reset_counters()
    run = run_measured(SYNC_ARGV, env, timeout_s=timeout_s, ok_codes=EXIT_CODES)
    return SyncRun(run=run, counters=sandbox.counters(), database=database)


def full_syncs(
    sandbox: SandboxProcess, workspace: Workspace, label: str, *, runs: int, timeout_s: float
) -> list[SyncRun]:
    """`runs` full syncs, each into a fresh database."""
    return [
        sync_once(sandbox, workspace, workspace.new_database(label), timeout_s=timeout_s)
        for _ in range(runs)
    ]
