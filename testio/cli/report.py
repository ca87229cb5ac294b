"""`testio report`: the EBR report of one or several products, printed or written to a file."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from testio.app import App
from testio.config import Settings
from testio.dates import DateRangeError
from testio.domain.multi_reports import MultiProductEbrReport
from testio.domain.reports import EbrReport
from testio.errors import TestioError
from testio.rendering.formats import Format, render
from testio.rendering.multi_formats import render_multi

FORMATS: dict[str, Format] = {
    "table": "table",
    "md": "markdown",
    "json": "json",
    "csv": "csv",
    "html": "html",
}


async def run_report(
    settings: Settings,
    *,
    product_ids: Sequence[int],
    start: str | None,
    end: str | None,
    statuses: Sequence[str] | None,
    fmt: str | None,
    out: TextIO,
    out_file: str | None = None,
    err: TextIO = sys.stderr,
    app: App | None = None,
) -> int:
    """Print the report, or write it to `out_file` in the reports directory.

    One product gives its report; several give their comparison, combined section and each
    product's report. Returns 0, or 1 with one sentence on `err` when it cannot be made. A
    file's format is `fmt`, else its extension's; the terminal table has no file form.
    """
    if out_file is not None and fmt == "table":
        err.write(
            "testio: the table format is for the terminal; use --format md, json, csv "
            "or html with --out.\n"
        )
        return 1
    chosen = FORMATS[fmt] if fmt is not None else None
    report: EbrReport | MultiProductEbrReport
    try:
        async with app if app is not None else App(settings) as opened, opened.reports() as svc:
            if len(product_ids) == 1:
                report = await svc.generate_ebr_report(
                    product_ids[0],
                    start_date=start,
                    end_date=end,
                    statuses=statuses,
                    output_file=out_file,
                    format=chosen,
                    max_rows=None,
                )
            else:
                report = await svc.generate_multi_product_ebr_report(
                    product_ids,
                    start_date=start,
                    end_date=end,
                    statuses=statuses,
                    output_file=out_file,
                    format=chosen,
                    max_rows=None,
                )
            text = None if report.output_file is not None else _text(report, chosen or "table")
    except (TestioError, DateRangeError) as exc:
        err.write(f"testio: {exc}\n")
        return 1
    if text is None:
        out.write(f"Wrote {report.output_file} ({report.tests_in_scope} tests).\n")
    else:
        out.write(text)
    if report.output_file is not None or chosen in ("json", "csv", "html"):
        for warning in report.warnings:
            err.write(f"warning: {warning.message}\n")
    return 0


def _text(report: EbrReport | MultiProductEbrReport, fmt: Format) -> str:
    if isinstance(report, MultiProductEbrReport):
        return render_multi(report, fmt)
    return render(report, fmt)
