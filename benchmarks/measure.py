"""Measuring a command as a child process (wall time, peak RSS), and the statistics we print."""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def run_measured(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout_s: float,
    ok_codes: frozenset[int] = frozenset({0}),
) -> Run:
    """Run a command to its end and return its wall time and peak RSS (from `os.wait4`).

    Output goes to temporary files, not pipes, so a chatty child never blocks on a full pipe
    and reading it costs nothing while the clock runs. A child still running at the timeout is
    killed and reported as failed.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), env=dict(env), stdout=out, stderr=err)
        status, usage = _wait(process, timeout_s)
        wall = time.perf_counter() - started
        process.returncode = status  # os.wait4 reaped it; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        run = Run(
            argv=tuple(argv),
            wall_s=wall,
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            returncode=status,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )
    if run.returncode not in ok_codes:
        raise CommandFailed(run)
    return run


def _wait(process: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, os.struct_rusage]:
    """Reap the child with its resource usage; a timer kills it at the deadline."""
    timer = threading.Timer(timeout_s, process.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    return os.waitstatus_to_exitcode(status), usage


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
