"""The EBR report as plain text for a terminal."""

from __future__ import annotations

from testio.domain.reports import EbrReport
from testio.rendering.labels import percent, rate_lines, scope_line
from testio.serialize import iso


def render_table(report: EbrReport) -> str:
    """A plain-text summary for a terminal."""
    s = report.summary
    out = [
        f"EBR report — {scope_line(report)}",
        f"Data as of {iso(report.data_as_of) or 'never synced'}",
        "",
        f"Tests in scope: {report.tests_in_scope}    Bugs: {s.bugs.total}    Overall health: {s.health.overall}",
        "",
    ]
    for label, value, health in rate_lines(s):
        out.append(f"  {label:<20} {value:>7}  {health}")
    out += [
        "",
        f"  Active accepted {s.bugs.active_accepted}, auto accepted {s.bugs.auto_accepted}, "
        f"rejected {s.bugs.rejected}, open {s.bugs.open}, other {s.bugs.other}; known {s.bugs.known}",
        "  By severity: "
        + (", ".join(f"{k} {v}" for k, v in report.bugs_by_severity.items()) or "none"),
        "  Tests by status: "
        + (", ".join(f"{k} {v}" for k, v in report.tests_by_status.items()) or "none"),
        "",
    ]
    for w in report.warnings:
        out.append(f"! {w.message}")
    if report.tests:
        out.append(
            f"{'test':>8}  {'ended':<10}  {'status':<9} {'bugs':>5} {'accept':>7} {'reject':>7}  title"
        )
        for row in report.tests:
            ended = row.end_at.date().isoformat() if row.end_at else "-"
            out.append(
                f"{row.id:>8}  {ended:<10}  {row.status:<9} {row.quality.bugs.total:>5} "
                f"{percent(row.quality.rates.overall_acceptance_rate):>7} "
                f"{percent(row.quality.rates.rejection_rate):>7}  {row.title[:60]}"
            )
    if report.tests_omitted:
        out.append(f"({report.tests_omitted} more tests not shown)")
    return "\n".join(out) + "\n"
