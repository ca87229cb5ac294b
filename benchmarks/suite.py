"""The benchmark suite: every figure of the performance targets, measured and printed as a table."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import attrs

from benchmarks import search_figures, serve_figures, sync_figures, team_figures
from benchmarks.sandbox_process import SandboxProcess
from benchmarks.serve_figures import Counts
from benchmarks.sync_runs import SyncRun, full_syncs, sync_once
from benchmarks.table import Figure, Table
from benchmarks.truth import Account
from benchmarks.workspace import Workspace

BUDGET_S = 600.0
"""The whole suite must finish within 10 minutes on a 2-core machine."""

MEDIUM_FIGURES = (
    *sync_figures.FULL_FIGURES,
    *sync_figures.INCREMENTAL_FIGURES,
    sync_figures.LATENCY,
    serve_figures.STARTUP,
    *serve_figures.SERVE_FIGURES,
    *team_figures.TEAM_FIGURES,
)
LARGE_FIGURES = (
    sync_figures.RSS_LARGE,
    serve_figures.REPORT_LARGE,
    serve_figures.METRICS_LARGE,
    serve_figures.MULTI_REPORT_LARGE,
    *search_figures.SEARCH_FIGURES,
)


@attrs.frozen(kw_only=True)
class Plan:
    """How many times each thing is measured (`--quick` shrinks every count)."""

    full_syncs: int = 5
    latency_syncs: int = 3
    incremental_syncs: int = 3
    calls: Counts = attrs.Factory(Counts)
    large_report_calls: int = 10
    search_calls: int = 10
    team_load_s: float = 60.0
    large: bool = True

    @classmethod
    def quick(cls, *, large: bool) -> Plan:
        """One or a few of everything: a smoke run of the suite itself."""
        return cls(
            full_syncs=1,
            latency_syncs=1,
            incremental_syncs=1,
            calls=Counts(spawns=2, warmup=3, calls=20, report_warmup=1, report_calls=5),
            large_report_calls=2,
            search_calls=2,
            team_load_s=10.0,
            large=large,
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py",
        description="Measure testio against the sandbox on loopback and print each figure "
        "next to its target.",
    )
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: few repetitions")
    parser.add_argument("--skip-large", action="store_true", help="skip the `large` sandbox runs")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    return parser


def _now_stamp() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _environment(pinned: str) -> dict[str, object]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cores": cores,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "date": _now_stamp(),
        "sandbox_now": pinned,
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }


class Suite:
    """Runs the measurements in order, adding a figure (or the reason it is missing) for each."""

    def __init__(self, plan: Plan, out: TextIO, log: TextIO) -> None:
        self.plan = plan
        self.out = out
        self.log = log
        expected = [*MEDIUM_FIGURES, *(LARGE_FIGURES if plan.large else ())]
        self.table = Table(expected=expected)
        self.started = time.monotonic()
        self.now = _now_stamp()
        """The sandbox clock is pinned here, so both syncs of the incremental run see one dataset."""

    def say(self, message: str) -> None:
        """A progress line on stderr, with the elapsed time."""
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", file=self.log, flush=True)

    def remaining_s(self) -> float:
        """Seconds left of the suite's 10-minute budget (at least 10, so a step can still run)."""
        return max(10.0, BUDGET_S - (time.monotonic() - self.started))

    def step(self, what: str, names: Sequence[str], body: Callable[[], Sequence[Figure]]) -> bool:
        """Run one measurement and add its figures; if it breaks, say why and go on."""
        self.say(what)
        try:
            figures = body()
        except Exception as exc:  # a broken step must not hide the figures of the others
            reason = f"{type(exc).__name__}: {exc}".strip()
            self.say(f"{what} failed: {reason}")
            lines = [line.strip() for line in reason.splitlines() if line.strip()]
            short = lines[0] if len(lines) < 2 else f"{lines[0]} … {lines[-1]}"
            for name in names:
                self.table.fail(name, short[:400])
            return False
        for figure in figures:
            self.table.add(figure)
        return True

    def medium(self, workspace: Workspace) -> None:
        """Every figure measured on the `medium` sandbox."""
        with SandboxProcess(size="medium", now=self.now) as sandbox:
            account = Account.from_truth(sandbox.ground_truth())
            self.say(
                f"medium sandbox on port {sandbox.port}: {len(account.products)} products, "
                f"{account.tests:,} tests, {account.bugs:,} bugs in account 0"
            )
            synced: list[SyncRun] = []

            def full() -> list[Figure]:
                runs = full_syncs(
                    sandbox,
                    workspace,
                    "full",
                    runs=self.plan.full_syncs,
                    timeout_s=min(120.0, self.remaining_s()),
                )
                self.say("full sync times: " + ", ".join(f"{r.run.wall_s:.2f} s" for r in runs))
                synced.extend(runs)
                return sync_figures.full_figures(runs, account)

            if not self.step("full syncs, 0 ms latency", sync_figures.FULL_FIGURES, full):
                return
            database = synced[0].database

            def incremental() -> list[Figure]:
                runs = [
                    sync_once(sandbox, workspace, database, timeout_s=min(60.0, self.remaining_s()))
                    for _ in range(self.plan.incremental_syncs)
                ]
                return sync_figures.incremental_figures(runs, account)

            self.step("incremental syncs", sync_figures.INCREMENTAL_FIGURES, incremental)

            def latency() -> list[Figure]:
                sandbox.set_latency(100)
                try:
                    runs = full_syncs(
                        sandbox,
                        workspace,
                        "latency",
                        runs=self.plan.latency_syncs,
                        timeout_s=min(120.0, self.remaining_s()),
                    )
                finally:
                    sandbox.set_latency(0)
                return [sync_figures.latency_figure(runs)]

            self.step("full syncs, 100 ms latency", [sync_figures.LATENCY], latency)
            env = workspace.env(sandbox.base_url, sandbox.tokens()[0], database)
            counts = self.plan.calls
            self.step(
                "serve start-up",
                [serve_figures.STARTUP],
                lambda: [serve_figures.startup_figure(env, counts.spawns)],
            )
            self.step(
                "warm tool calls and the one-year report",
                serve_figures.SERVE_FIGURES,
                lambda: serve_figures.warm_figures(sandbox, env, account, counts),
            )
            seconds = self.plan.team_load_s
            self.step(
                f"{team_figures.CLIENTS} HTTP clients for {seconds:.0f} s, worker on PostgreSQL",
                team_figures.TEAM_FIGURES,
                lambda: team_figures.team_figures(sandbox, env, account, seconds, self.log),
            )

    def large(self, workspace: Workspace) -> None:
        """The `large` sandbox: one full sync (peak RSS) and the whole-history report."""
        with SandboxProcess(size="large", now=self.now) as sandbox:
            account = Account.from_truth(sandbox.ground_truth())
            self.say(
                f"large sandbox on port {sandbox.port}: {len(account.products)} products, "
                f"{account.tests:,} tests, {account.bugs:,} bugs in account 0"
            )
            synced: list[SyncRun] = []

            def sync() -> list[Figure]:
                timeout = max(30.0, self.remaining_s() - 60.0)
                self.say(f"large full sync: one run, at most {timeout:.0f} s")
                run = sync_once(
                    sandbox, workspace, workspace.new_database("large"), timeout_s=timeout
                )
                self.say(f"large full sync took {run.run.wall_s:.1f} s")
                synced.append(run)
                return [sync_figures.large_figure(run, account)]

            if not self.step("large full sync", [sync_figures.RSS_LARGE], sync):
                return
            env = workspace.env(sandbox.base_url, sandbox.tokens()[0], synced[0].database)
            product = account.biggest_product()
            calls = self.plan.large_report_calls
            self.step(
                "whole-history report on large",
                [serve_figures.REPORT_LARGE],
                lambda: [serve_figures.large_report_figure(env, product, calls)],
            )
            ids = [p.id for p in account.products]
            self.step(
                "grouped metrics and every-product report on large",
                [serve_figures.METRICS_LARGE, serve_figures.MULTI_REPORT_LARGE],
                lambda: serve_figures.large_analytics_figures(env, ids, calls),
            )
            self.step(
                "search on large",
                search_figures.SEARCH_FIGURES,
                lambda: search_figures.search_figures(env, product, self.plan.search_calls),
            )

    def run_part(self, what: str, part: Callable[[Workspace], None], workspace: Workspace) -> None:
        """Run the medium or large part; a sandbox that will not start skips its figures."""
        try:
            part(workspace)
        except Exception as exc:  # e.g. the sandbox did not start: report it, keep the table
            self.say(f"the {what} part stopped: {type(exc).__name__}: {exc}")


def main(argv: Sequence[str]) -> int:
    """Run the suite and print the table; returns 0 even when targets are missed."""
    args = _parser().parse_args(argv)
    large = not args.skip_large
    plan = Plan.quick(large=large) if args.quick else Plan(large=large)
    suite = Suite(plan, sys.stdout, sys.stderr)
    header = _environment(suite.now)
    out = suite.out
    print(
        f"testio benchmarks: Python {header['python']}, {header['cores']} cores, "
        f"load {header['load_average']}, {header['date']}, {header['platform']}",
        file=out,
    )
    print(f"command: {header['command']}", file=out)
    print(f"sandbox: seed 1, clock pinned at {suite.now}", file=out, flush=True)
    with Workspace() as workspace:
        suite.run_part("medium", suite.medium, workspace)
        if plan.large:
            suite.run_part("large", suite.large, workspace)
    elapsed = time.monotonic() - suite.started
    print(file=out)
    suite.table.write(out)
    print(f"The suite took {elapsed:.0f} s (budget {BUDGET_S:.0f} s).", file=out)
    if elapsed > BUDGET_S:
        print(
            f"MISSED: the suite took {elapsed:.0f} s, over its {BUDGET_S:.0f} s budget.", file=out
        )
    if args.json is not None:
        suite.table.write_json(args.json, {**header, "elapsed_s": round(elapsed, 1)})
    return 0
