"""The EBR report as a Markdown document."""

from __future__ import annotations

from testio.domain.reports import EbrReport
from testio.rendering.labels import percent, rate_lines, scope_line
from testio.serialize import iso


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: EbrReport) -> str:
    """A Markdown document: scope, summary, rates with health, breakdowns, per-test table."""
    s = report.summary
    lines = [
        f"# EBR report: {_md_escape(report.scope.product.title)}",
        "",
        f"Scope: {_md_escape(scope_line(report))}. Data as of {iso(report.data_as_of) or 'never synced'}.",
        "",
        f"**{report.tests_in_scope} tests, {s.bugs.total} bugs.** Overall health: **{s.health.overall}**.",
        "",
        "| Rate | Value | Health |",
        "|---|---|---|",
        *[f"| {label} | {value} | {health} |" for label, value, health in rate_lines(s)],
        "",
        "| Bucket | Bugs |",
        "|---|---|",
        f"| Active accepted | {s.bugs.active_accepted} |",
        f"| Auto accepted | {s.bugs.auto_accepted} |",
        f"| Rejected | {s.bugs.rejected} |",
        f"| Open | {s.bugs.open} |",
        f"| Other | {s.bugs.other} |",
        f"| Known (flag) | {s.bugs.known} |",
        "",
        "Bugs by severity: "
        + (", ".join(f"{k} {v}" for k, v in report.bugs_by_severity.items()) or "none")
        + ".",
        "Tests by status: "
        + (", ".join(f"{k} {v}" for k, v in report.tests_by_status.items()) or "none")
        + ".",
        "Tests by type: "
        + (", ".join(f"{k} {v}" for k, v in report.tests_by_type.items()) or "none")
        + ".",
        "",
    ]
    if report.warnings:
        lines += ["## Warnings", "", *[f"- {_md_escape(w.message)}" for w in report.warnings], ""]
    lines += [
        "## Tests",
        "",
        "| Test | Title | Status | Type | Ended | Bugs | Accepted | Rejected | Open | Acceptance | Rejection |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report.tests:
        b = row.quality.bugs
        ended = row.end_at.date().isoformat() if row.end_at else ""
        lines.append(
            f"| {row.id} | {_md_escape(row.title)} | {row.status} | {row.testing_type} | {ended} | "
            f"{b.total} | {b.total_accepted} | {b.rejected} | {b.open} | "
            f"{percent(row.quality.rates.overall_acceptance_rate)} | {percent(row.quality.rates.rejection_rate)} |"
        )
    if report.tests_omitted:
        lines += ["", f"({report.tests_omitted} more tests not shown.)"]
    return "\n".join(lines) + "\n"
