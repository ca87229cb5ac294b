"""Several products' EBR reports on one HTML page: a comparison first, then one section each."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from testio.domain.common import Quality
from testio.domain.multi_reports import MultiProductEbrReport
from testio.domain.reports import EbrReport
from testio.rendering.charts import grouped_bar_chart
from testio.rendering.html import HEALTH_COLOURS, number, page, product_section
from testio.rendering.labels import RATE_LABELS, percent

COMPARED = (
    ("overall_acceptance_rate", "Overall acceptance", "#2b6cb0"),
    ("active_acceptance_rate", "Active acceptance", "#1e7b34"),
    ("rejection_rate", "Rejection", "#b42318"),
    ("review_rate", "Review", "#6d28d9"),
)


def render_comparison(report: MultiProductEbrReport) -> str:
    """One page: rates of every product side by side, a comparison table, then each product."""
    reports: Sequence[EbrReport] = report.products
    names = [r.scope.product.title for r in reports]
    chart = grouped_bar_chart(
        "Rates by product",
        names,
        [
            (label, [_percent_value(getattr(r.summary.rates, key)) for r in reports])
            for key, label, _ in COMPARED
        ],
        [colour for _, _, colour in COMPARED],
    )
    head = "".join(f'<th class="n">{escape(label)}</th>' for _, label in RATE_LABELS)
    rows = "".join(_row(r) for r in reports) + _combined_row(report.tests_in_scope, report.combined)
    comparison = (
        '<section class="comparison">\n<h1>EBR report: '
        f"{escape(', '.join(names))}</h1>\n"
        + _warnings(report)
        + f'<figure class="wide" data-chart="comparison">{chart}'
        "<figcaption>Each product's rates over its own tests in scope.</figcaption></figure>\n"
        '<table><thead><tr><th>Product</th><th class="n">Tests</th><th class="n">Bugs</th>'
        f"<th>Health</th>{head}</tr></thead><tbody>{rows}</tbody></table>\n</section>"
    )
    return page(
        f"EBR report: {', '.join(names)}",
        [comparison, *(product_section(r) for r in reports)],
    )


def _percent_value(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


def _row(report: EbrReport) -> str:
    s = report.summary
    level = s.health.overall
    rates = "".join(
        f'<td class="n">{percent(getattr(s.rates, key))}</td>' for key, _ in RATE_LABELS
    )
    return (
        f'<tr data-product-id="{report.scope.product.id}"><td>{escape(report.scope.product.title)}</td>'
        f'<td class="n">{number(report.tests_in_scope)}</td><td class="n">{number(s.bugs.total)}</td>'
        f'<td style="color: {HEALTH_COLOURS[level]}; font-weight: 600">{level}</td>{rates}</tr>'
    )


def _combined_row(tests: int, combined: Quality) -> str:
    level = combined.health.overall
    rates = "".join(
        f'<td class="n">{percent(getattr(combined.rates, key))}</td>' for key, _ in RATE_LABELS
    )
    return (
        '<tr data-product-id="combined"><th scope="row">Combined</th>'
        f'<td class="n">{number(tests)}</td><td class="n">{number(combined.bugs.total)}</td>'
        f'<td style="color: {HEALTH_COLOURS[level]}; font-weight: 600">{level}</td>{rates}</tr>'
    )


def _warnings(report: MultiProductEbrReport) -> str:
    """Warnings that concern the whole report; each product's section shows its own too."""
    if not report.warnings:
        return ""
    items = "".join(f"<li>{escape(w.message)}</li>" for w in report.warnings)
    return (
        '<section class="warnings" role="alert"><h2>Data warnings: read before presenting</h2>'
        f"<ul>{items}</ul></section>\n"
    )
