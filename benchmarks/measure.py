"""Measuring a command as a child process (wall time, peak RSS), and the statistics we print."""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

import attrs


@attrs.frozen
class Run:
    """One finished child process: how long it took, its peak memory and what it printed."""

    argv: tuple[str, ...]
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 15) -> str:
        """The last lines of stderr and stdout, to explain a failure."""
        text = (self.stderr.strip() + "\n" + self.stdout.strip()).strip()
        return "\n".join(text.splitlines()[-lines:])


class CommandFailed(RuntimeError):
    """A measured command exited with a code that means it did not do its job."""

    def __init__(self, run: Run) -> None:
        super().__init__(
            f"{' '.join(run.argv)} exited with {run.returncode} after {run.wall_s:.1f} s:\n"
            + run.tail()
        )
        self.run = run


LAUNCHER = Path(__file__).with_name("launcher.py")


def run_measured(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout_s: float,
    ok_codes: frozenset[int] = frozenset({0}),
) -> Run:
    """Run a command to its end and return its wall time and peak RSS.

    The command runs under `launcher.py`, a small process that reaps it with `os.wait4`:
    reaped directly by this (large) process, its peak RSS would start at ours. Output goes to
    temporary files, not pipes, so a chatty child never blocks on a full pipe. A child still
    running at the timeout is killed and reported as failed.
    """
    with (
        tempfile.TemporaryDirectory(prefix="testio-run-") as scratch,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        result = Path(scratch) / "result.json"
        launcher = [sys.executable, "-I", "-S", str(LAUNCHER), str(result), str(timeout_s), "--"]
        process = subprocess.Popen([*launcher, *argv], env=dict(env), stdout=out, stderr=err)
        try:
            process.wait(timeout=timeout_s + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        measured = _result(result)
    run = Run(
        argv=tuple(argv),
        wall_s=float(measured.get("wall_s", timeout_s)),
        peak_rss_mb=float(measured.get("maxrss_kb", 0)) / 1024,  # kilobytes on Linux
        returncode=int(measured.get("returncode", -9)),
        stdout=stdout,
        stderr=stderr,
    )
    if run.returncode not in ok_codes:
        raise CommandFailed(run)
    return run


def _result(path: Path) -> dict[str, float]:
    """What the launcher wrote, or {} when it was killed before writing."""
    try:
        return cast(dict[str, float], json.loads(path.read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return {}


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sample."""
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (0.99 for p99) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def file_size(path: Path) -> int:
    """Bytes of a file, 0 when it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
