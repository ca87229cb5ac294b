"""Write an EBR report for every product into a folder (e.g. a shared drive), once a week.

    python examples/weekly_ebr.py OUT_DIR [--from "last quarter"] [--to DATE] [--no-sync]

Reads the same TESTIO_* settings as the `testio` command. Exits 0 when every report was
written, 1 when none could be.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import testio
from testio.rendering import render


async def main(app: testio.App, out_dir: Path, start: str, end: str | None, sync: bool) -> int:
    """Sync (optionally), then write `<product id>-<name>.md` for every product."""
    if sync:
        async with app.sync() as syncing:
            result = await syncing.sync()
        print(f"sync: {result.status}, {result.tests_new} new tests, {result.bugs_upserted} bugs")
    async with app.products() as products:
        listing = await products.list_products()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for product in listing.products:
        async with app.reports() as reports:
            ebr = await reports.generate_ebr_report(
                product.id, start_date=start, end_date=end, max_rows=None
            )
        slug = "".join(c if c.isalnum() else "-" for c in product.name.lower()).strip("-")
        path = out_dir / f"{product.id}-{slug}.md"
        path.write_text(render(ebr, "markdown"), encoding="utf-8")
        rate = ebr.summary.rates.overall_acceptance_rate
        shown = "n/a" if rate is None else f"{rate:.1%}"
        print(f"{path.name}: {ebr.tests_in_scope} tests, acceptance {shown}")
        written += 1
    print(f"{written} report(s) written to {out_dir}")
    return 0 if written or not listing.products else 1


def cli(argv: list[str] | None = None) -> int:
    """Parse arguments, open the app, run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--from", dest="start", default="last quarter")
    parser.add_argument("--to", dest="end", default=None)
    parser.add_argument("--no-sync", action="store_true", help="report from the cache as it is")
    args = parser.parse_args(argv)

    async def run() -> int:
        async with testio.open() as app:
            return await main(app, args.out_dir, args.start, args.end, not args.no_sync)

    try:
        return asyncio.run(run())
    except (testio.TestioError, testio.DateRangeError) as exc:
        print(f"weekly_ebr: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(cli())
