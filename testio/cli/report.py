"""`testio report`: the EBR report of one product, printed for people."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from testio.app import App
from testio.config import Settings
from testio.dates import DateRangeError
from testio.errors import TestioError
from testio.rendering.formats import Format, render

FORMATS: dict[str, Format] = {"table": "table", "md": "markdown", "json": "json", "csv": "csv"}


async def run_report(
    settings: Settings,
    *,
    product_id: int,
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
            report = await svc.generate_ebr_report(
                product_id, start_date=start, end_date=end, statuses=statuses, max_rows=None
            )
    except (TestioError, DateRangeError) as exc:
        err.write(f"testio: {exc}\n")
        return 1
    out.write(render(report, FORMATS[fmt]))
    for warning in report.warnings if fmt in ("json", "csv") else ():
        err.write(f"warning: {warning.message}\n")
    return 0
