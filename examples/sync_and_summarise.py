"""Sync the cache, then print one line per product: tests, bugs, acceptance and health.

    python examples/sync_and_summarise.py [--full]

Exit codes: 0 the sync was complete, 2 it was partial (what is missing is printed), 1 it failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import testio


def show(progress: testio.SyncProgress) -> None:
    """Print each product as it finishes."""
    if progress.phase == "done" or progress.product_id is None:
        return
    if progress.bug_batches_total and progress.bug_batches_done == progress.bug_batches_total:
        print(f"  synced {progress.product_name}: {progress.tests_seen} tests", flush=True)


async def main(app: testio.App, full: bool) -> int:
    """Sync, then summarise every product's executed tests."""
    async with app.sync() as syncing:
        result = await syncing.sync(full=full, progress=show)
    print(
        f"sync {result.status} in {result.duration_s:.1f} s: {result.tests_new} new tests, "
        f"{result.bugs_upserted} bugs written, {result.requests} requests"
    )
    for problem in result.problems:
        print(f"  missing: {problem.message}")
    async with app.products() as products:
        listing = await products.list_products()
    for product in listing.products:
        async with app.reports() as reports:
            ebr = await reports.generate_ebr_report(product.id, max_rows=0)
        rates = ebr.summary.rates
        acceptance = (
            "n/a"
            if rates.overall_acceptance_rate is None
            else f"{rates.overall_acceptance_rate:.1%}"
        )
        print(
            f"{product.name:<24} {ebr.tests_in_scope:>5} tests {ebr.summary.bugs.total:>6} bugs  "
            f"acceptance {acceptance:>6}  health {ebr.summary.health.overall}"
        )
    if result.complete:
        return 0
    return 2 if result.status == "partial" else 1


def cli(argv: list[str] | None = None) -> int:
    """Parse arguments, open the app, run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args(argv)

    async def run() -> int:
        async with testio.open() as app:
            return await main(app, args.full)

    try:
        return asyncio.run(run())
    except testio.TestioError as exc:
        print(f"sync_and_summarise: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(cli())
