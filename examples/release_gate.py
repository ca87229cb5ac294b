"""Release gate: fail when a test still has open critical bugs.

    python examples/release_gate.py TEST_ID [--severity critical ...]

Exit codes: 0 no open bugs of those severities, 1 there are some (they are listed),
2 the check could not be made (unknown test, API or configuration problem).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import testio


async def main(app: testio.App, test_id: int, severities: list[str]) -> int:
    """List the test's open bugs of the given severities; 1 when there are any."""
    async with app.tests() as tests:
        status = await tests.get_test_status(test_id, recent=0)
        blocking = await tests.list_bugs(test_id, severities=severities, buckets=["open"])
    for warning in status.warnings:
        print(f"warning: {warning.message}", file=sys.stderr)
    title = f"test {test_id} ({status.test.title}, {status.test.status})"
    if not blocking:
        print(f"PASS: {title} has no open {'/'.join(severities)} bugs.")
        return 0
    print(f"FAIL: {title} has {len(blocking)} open {'/'.join(severities)} bug(s):")
    for bug in blocking:
        print(f"  {bug.id} [{bug.severity}] {bug.title}")
    return 1


def cli(argv: list[str] | None = None) -> int:
    """Parse arguments, open the app, run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("test_id", type=int)
    parser.add_argument("--severity", action="append", dest="severities")
    args = parser.parse_args(argv)

    async def run() -> int:
        async with testio.open() as app:
            return await main(app, args.test_id, args.severities or ["critical"])

    try:
        return asyncio.run(run())
    except testio.TestioError as exc:
        print(f"release_gate: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(cli())
