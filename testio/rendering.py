"""The EBR report as text for people: a terminal table, Markdown, CSV rows, or JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

from testio.domain.common import Quality
from testio.domain.reports import EbrReport
from testio.serialize import iso, to_jsonable

Format = Literal["table", "markdown", "csv", "json"]
RATE_LABELS = (
    ("active_acceptance_rate", "Active acceptance"),
    ("overall_acceptance_rate", "Overall acceptance"),
    ("auto_acceptance_rate", "Auto acceptance"),
    ("rejection_rate", "Rejection"),
    ("review_rate", "Review"),
)
HEALTH_OF = {
    "active_acceptance_rate": "active_acceptance_rate",
    "auto_acceptance_rate": "auto_acceptance_rate",
    "rejection_rate": "rejection_rate",
    "review_rate": "review_rate",
}


def percent(rate: float | None) -> str:
    """A rate for people: `33.3%`, or `n/a` when there is no data."""
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def _rate_lines(quality: Quality) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for key, label in RATE_LABELS:
        value = getattr(quality.rates, key)
        health = getattr(quality.health, HEALTH_OF[key]) if key in HEALTH_OF else ""
        rows.append((label, percent(value), health))
    return rows


def _scope_line(report: EbrReport) -> str:
    scope = report.scope
    start = scope.start_date.isoformat() if scope.start_date else "the beginning"
    end = scope.end_date.isoformat() if scope.end_date else "now"
    return (
        f"{scope.product.title} (product {scope.product.id}), tests ending {start} to {end}, "
        f"statuses: {', '.join(scope.statuses)}"
    )


def render(report: EbrReport, fmt: Format) -> str:
    """The report in one of the formats."""
    if fmt == "json":
        return json.dumps(to_jsonable(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_csv(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_table(report)


def render_csv(report: EbrReport) -> str:
    """Per-test rows, one line each, with counts and rates."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rate_keys = [k for k, _ in RATE_LABELS]
    writer.writerow(
        [
            "test_id",
            "title",
            "status",
            "testing_type",
            "end_at",
            "bugs",
            "active_accepted",
            "auto_accepted",
            "rejected",
            "open",
            "other",
            "known",
            *rate_keys,
        ]
    )
    for row in report.tests:
        b = row.quality.bugs
        writer.writerow(
            [
                row.id,
                row.title,
                row.status,
                row.testing_type,
                iso(row.end_at) or "",
                b.total,
                b.active_accepted,
                b.auto_accepted,
                b.rejected,
                b.open,
                b.other,
                b.known,
                *[
                    "" if getattr(row.quality.rates, k) is None else getattr(row.quality.rates, k)
                    for k in rate_keys
                ],
            ]
        )
    return out.getvalue()


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: EbrReport) -> str:
    """A Markdown document: scope, summary, rates with health, breakdowns, per-test table."""
    s = report.summary
    lines = [
        f"# EBR report: {_md_escape(report.scope.product.title)}",
        "",
        f"Scope: {_md_escape(_scope_line(report))}. Data as of {iso(report.data_as_of) or 'never synced'}.",
        "",
        f"**{report.tests_in_scope} tests, {s.bugs.total} bugs.** Overall health: **{s.health.overall}**.",
        "",
        "| Rate | Value | Health |",
        "|---|---|---|",
        *[f"| {label} | {value} | {health} |" for label, value, health in _rate_lines(s)],
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


def render_table(report: EbrReport) -> str:
    """A plain-text summary for a terminal."""
    s = report.summary
    out = [
        f"EBR report — {_scope_line(report)}",
        f"Data as of {iso(report.data_as_of) or 'never synced'}",
        "",
        f"Tests in scope: {report.tests_in_scope}    Bugs: {s.bugs.total}    Overall health: {s.health.overall}",
        "",
    ]
    for label, value, health in _rate_lines(s):
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
