"""`testio report`: the EBR report of one or several products, printed for people."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from testio.app import App
from testio.config import Settings
from testio.dates import DateRangeError
from testio.errors import TestioError
from testio.rendering.formats import Format, render
from testio.rendering.multi_formats import render_multi

FORMATS: dict[str, Format] = {"table": "table", "md": "markdown", "json": "json", "csv": "csv"}


async def run_report(
    settings: Settings,
    *,
    product_ids: Sequence[int],
    start: str | None,
    end: str | None,
    statuses: Sequence[str] | None,
    fmt: str,
    out: TextIO,
    err: TextIO = sys.stderr,
    app: App | None = None,
) -> int:
    """Print the report; returns 0, or 1 with one sentence on `err` when it cannot be made."""
    try:
        async with app if app is not None else App(settings) as opened, opened.reports() as svc:
            if len(product_ids) == 1:
                report = await svc.generate_ebr_report(
                    product_ids[0], start_date=start, end_date=end, statuses=statuses, max_rows=None
                )
                text = render(report, FORMATS[fmt])
            else:
                report = await svc.generate_multi_product_ebr_report(
                    product_ids, start_date=start, end_date=end, statuses=statuses, max_rows=None
                )
                text = render_multi(report, FORMATS[fmt])
    except (TestioError, DateRangeError) as exc:
        err.write(f"testio: {exc}\n")
        return 1
    out.write(text)
    for warning in report.warnings if fmt in ("json", "csv") else ():
        err.write(f"warning: {warning.message}\n")
    return 0
