"""The words and figures every human-facing format shares: rate labels, percentages, the scope line."""

from __future__ import annotations

from testio.domain.common import Quality
from testio.domain.reports import EbrReport

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


def rate_lines(quality: Quality) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for key, label in RATE_LABELS:
        value = getattr(quality.rates, key)
        health = getattr(quality.health, HEALTH_OF[key]) if key in HEALTH_OF else ""
        rows.append((label, percent(value), health))
    return rows


def scope_line(report: EbrReport) -> str:
    scope = report.scope
    start = scope.start_date.isoformat() if scope.start_date else "the beginning"
    end = scope.end_date.isoformat() if scope.end_date else "now"
    return (
        f"{scope.product.title} (product {scope.product.id}), tests ending {start} to {end}, "
        f"statuses: {', '.join(scope.statuses)}"
    )
