"""Runs one command and writes its wall time and peak RSS as JSON: `launcher.py OUT TIMEOUT -- ARGV`.

Why a launcher: a child's `ru_maxrss` starts at its parent's peak RSS (Linux copies the old
address space's high-water mark when the child execs), so a benchmark process that holds a
large ground truth would report its own memory as the child's. This script is run with
`python -I -S` (a few MB), spawns the command, reaps it with `os.wait4` and reports. It imports
only the standard library and nothing of the benchmarks, so its own footprint stays small.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time


def main(argv: list[str]) -> int:
    """Spawn the command after `--`, wait for it, write the result file, exit with its code."""
    out, timeout_s, separator, *command = argv
    if separator != "--" or not command:
        print("usage: launcher.py OUT TIMEOUT -- COMMAND...", file=sys.stderr)
        return 64
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, dict(os.environ))

    def kill(signum: int, frame: object) -> None:
        os.kill(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, kill)
    signal.signal(signal.SIGTERM, kill)
    signal.setitimer(signal.ITIMER_REAL, float(timeout_s))
    _, status, usage = os.wait4(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w", encoding="utf-8") as file:
        json.dump({"wall_s": wall, "maxrss_kb": usage.ru_maxrss, "returncode": code}, file)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
