"""The multi-product EBR report as a Markdown document."""

from __future__ import annotations

from testio.domain.multi_reports import MultiProductEbrReport
from testio.rendering.comparison import COMPARISON_HEADER, comparison_rows, multi_scope_line
from testio.rendering.labels import rate_lines
from testio.rendering.markdown import render_markdown
from testio.serialize import iso


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"


def render_multi_markdown(report: MultiProductEbrReport) -> str:
    """Comparison table, combined section, then each product's report one heading level down."""
    c = report.combined
    lines = [
        f"# EBR report: {len(report.products)} products",
        "",
        f"Scope: {_md_escape(multi_scope_line(report))}. "
        f"Data as of {iso(report.data_as_of) or 'never synced'}.",
        "",
        f"**{report.tests_in_scope} tests, {c.bugs.total} bugs in all.** "
        f"Overall health: **{c.health.overall}**.",
        "",
        "## Comparison",
        "",
        "| " + " | ".join(COMPARISON_HEADER) + " |",
        "|" + "---|" * len(COMPARISON_HEADER),
        *[
            "| " + " | ".join(_md_escape(cell) for cell in row) + " |"
            for row in comparison_rows(report)
        ],
        "",
        "## Combined",
        "",
        "| Rate | Value | Health |",
        "|---|---|---|",
        *[f"| {label} | {value} | {health} |" for label, value, health in rate_lines(c)],
        "",
        f"Bugs: active accepted {c.bugs.active_accepted}, auto accepted {c.bugs.auto_accepted}, "
        f"rejected {c.bugs.rejected}, open {c.bugs.open}, other {c.bugs.other}; "
        f"known {c.bugs.known}.",
        f"Bugs by severity: {_listed(report.bugs_by_severity)}.",
        f"Tests by status: {_listed(report.tests_by_status)}.",
        f"Tests by type: {_listed(report.tests_by_type)}.",
        "",
    ]
    if report.warnings:
        lines += ["## Warnings", "", *[f"- {_md_escape(w.message)}" for w in report.warnings], ""]
    for section in report.products:
        for line in render_markdown(section).splitlines():
            lines.append("#" + line if line.startswith("#") else line)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
