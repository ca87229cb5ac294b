"""The comparison table and scope line every multi-product format shares."""

from __future__ import annotations

from testio.domain.common import Health, RateSummary
from testio.domain.multi_reports import MultiProductEbrReport
from testio.rendering.labels import RATE_LABELS, percent

COMPARISON_HEADER = ("Product", "Tests", "Bugs", *[label for _, label in RATE_LABELS], "Health")


def _cells(name: str, tests: int, bugs: int, rates: RateSummary, health: Health) -> list[str]:
    return [
        name,
        str(tests),
        str(bugs),
        *[percent(getattr(rates, key)) for key, _ in RATE_LABELS],
        health.overall,
    ]


def comparison_rows(report: MultiProductEbrReport) -> list[list[str]]:
    """The comparison table's cells: one row per product, then the combined row."""
    rows = [
        _cells(f"{c.product.title} ({c.product.id})", c.tests_in_scope, c.bugs, c.rates, c.health)
        for c in report.comparison
    ]
    combined = report.combined
    rows.append(
        _cells(
            "Combined",
            report.tests_in_scope,
            combined.bugs.total,
            combined.rates,
            combined.health,
        )
    )
    return rows


def multi_scope_line(report: MultiProductEbrReport) -> str:
    """Products, date range and statuses in one line."""
    scope = report.scope
    start = scope.start_date.isoformat() if scope.start_date else "the beginning"
    end = scope.end_date.isoformat() if scope.end_date else "now"
    products = ", ".join(f"{p.title} ({p.id})" for p in scope.products)
    return f"{products}; tests ending {start} to {end}, statuses: {', '.join(scope.statuses)}"
