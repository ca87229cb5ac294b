"""Entry point of `nox -s bench`: `python benchmarks/run.py [--quick] [--skip-large] [--json FILE]`.

Starts the sandbox on loopback, measures every performance target and prints one table.
Missed targets print a `MISSED:` line; the exit code stays 0, because machines are noisy.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> int:
    """Run the suite with this script's arguments."""
    # Run as a script, only benchmarks/ is on the path; the package imports need the root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.suite import main as run_suite

    return run_suite(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
