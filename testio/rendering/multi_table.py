"""The multi-product EBR report as plain text for a terminal."""

from __future__ import annotations

from testio.domain.multi_reports import MultiProductEbrReport
from testio.rendering.comparison import COMPARISON_HEADER, comparison_rows, multi_scope_line
from testio.rendering.table import render_table
from testio.serialize import iso


def render_multi_table(report: MultiProductEbrReport) -> str:
    """The comparison table and the combined figures, then each product's report."""
    rows = [list(COMPARISON_HEADER), *comparison_rows(report)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COMPARISON_HEADER))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    c = report.combined
    out = [
        f"EBR report — {multi_scope_line(report)}",
        f"Data as of {iso(report.data_as_of) or 'never synced'}",
        "",
        f"Tests in scope: {report.tests_in_scope}    Bugs: {c.bugs.total}    "
        f"Overall health: {c.health.overall}",
        "",
        *[line(row) for row in rows],
        "",
        f"  Combined: active accepted {c.bugs.active_accepted}, auto accepted "
        f"{c.bugs.auto_accepted}, rejected {c.bugs.rejected}, open {c.bugs.open}, "
        f"other {c.bugs.other}; known {c.bugs.known}",
        "",
    ]
    out += [f"! {w.message}" for w in report.warnings]
    for section in report.products:
        out += ["", "=" * 72, render_table(section).rstrip("\n")]
    return "\n".join(out) + "\n"
