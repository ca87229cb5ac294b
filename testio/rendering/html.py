"""The EBR report as one self-contained HTML page: summary, rates with health, charts, tests.

The page loads nothing: styles are inline, charts are inline SVG, and its
Content-Security-Policy forbids every fetch and every script, so it opens offline and
prints to A4 as it shows. Every text from the API is escaped. `product_section` renders
one product's report, so a page can hold several.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from testio.domain.reports import EbrReport
from testio.rendering.charts import bar_chart, line_chart
from testio.rendering.labels import RATE_LABELS, percent, rate_lines, scope_line
from testio.rendering.timeline import MonthPoint, acceptance_by_month
from testio.serialize import iso

HEALTH_COLOURS = {
    "healthy": "#1e7b34",
    "warning": "#a45b00",
    "critical": "#b42318",
    "unknown": "#616e7c",
    "": "#334e68",
}
BUCKETS = (
    ("active_accepted", "Active accepted", "#1e7b34"),
    ("auto_accepted", "Auto accepted", "#d69e2e"),
    ("rejected", "Rejected", "#b42318"),
    ("open", "Open", "#2b6cb0"),
    ("other", "Other", "#7b8794"),
)
SEVERITY_COLOURS = {
    "critical": "#7f1d1d",
    "high": "#c2410c",
    "low": "#ca8a04",
    "visual": "#6d28d9",
    "content": "#0369a1",
}
PALETTE = ("#334e68", "#0f766e", "#9d174d", "#4d7c0f", "#7c2d12")
MONTHLY = (
    ("overall_acceptance_rate", "Overall acceptance", "#2b6cb0"),
    ("active_acceptance_rate", "Active acceptance", "#1e7b34"),
)

CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial,
  sans-serif; color: #1f2933; margin: 0 auto; max-width: 1100px; padding: 24px; line-height: 1.4; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 2px solid #d9e2ec; padding-bottom: 4px; }
.scope { color: #52606d; margin: 0 0 16px; }
.warnings { border: 2px solid #b42318; background: #fff5f5; border-radius: 6px;
  padding: 10px 16px; margin: 16px 0; break-inside: avoid; }
.warnings h2 { color: #b42318; border: 0; margin: 4px 0; padding: 0; }
.warnings li { margin: 4px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; }
.card { border: 1px solid #d9e2ec; border-left: 6px solid var(--c); border-radius: 6px;
  padding: 8px 12px; break-inside: avoid; }
.card .label { font-size: 13px; color: #52606d; }
.card .value { font-size: 24px; font-weight: 700; }
.card .health { font-size: 13px; font-weight: 600; color: var(--c); text-transform: uppercase; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure.wide { grid-column: 1 / -1; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 13px; color: #52606d; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 4px 6px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n, td.k, th { white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.note { color: #52606d; font-size: 13px; }
section + section { margin-top: 40px; border-top: 3px solid #d9e2ec; padding-top: 16px;
  break-before: page; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { break-after: avoid; }
  table { font-size: 10.5px; }
  th, td { padding: 2px 4px; }
}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def number(n: int) -> str:
    """A count for people: `1,234`."""
    return f"{n:,}"


def render_html(report: EbrReport) -> str:
    """The whole page of one product's report."""
    return page(f"EBR report: {report.scope.product.title}", [product_section(report)])


def page(title: str, sections: Sequence[str]) -> str:
    """The HTML document around rendered sections."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )


def product_section(report: EbrReport) -> str:
    """One product's report: scope, warnings, summary, rates, charts and the per-test table."""
    product = report.scope.product
    return (
        f'<section class="product" data-product-id="{product.id}">\n'
        f"<h1>EBR report: {escape(product.title)}</h1>\n"
        f'<p class="scope">{escape(scope_line(report))}. Data as of '
        f'<span data-field="data_as_of">{escape(iso(report.data_as_of) or "never synced")}</span>.</p>\n'
        + _warnings(report)
        + _summary(report)
        + _charts(report)
        + _tests(report)
        + "</section>"
    )


def _warnings(report: EbrReport) -> str:
    messages = [w.message for w in report.warnings]
    if report.tests_omitted:
        messages.append(
            f"This page shows {report.tests_shown} of {report.tests_in_scope} tests; the monthly "
            "chart and the table cover only those. Write the report to a file to see all."
        )
    if not messages:
        return ""
    items = "".join(f"<li>{escape(m)}</li>" for m in messages)
    return (
        '<section class="warnings" role="alert"><h2>Data warnings: read before presenting</h2>'
        f"<ul>{items}</ul></section>\n"
    )


def _card(label: str, value: str, health: str, field: str, *, badge: bool = True) -> str:
    shown = f'<div class="health" data-health="{health}">{health}</div>' if health and badge else ""
    return (
        f'<div class="card" data-level="{health}" '
        f'style="--c: {HEALTH_COLOURS.get(health, HEALTH_COLOURS[""])}">'
        f'<div class="label">{escape(label)}</div>'
        f'<div class="value" data-field="{field}">{escape(value)}</div>{shown}</div>'
    )


def _summary(report: EbrReport) -> str:
    s = report.summary
    cards = [
        _card("Tests in scope", number(report.tests_in_scope), "", "tests_in_scope"),
        _card("Bugs", number(s.bugs.total), "", "bugs"),
        _card("Overall health", s.health.overall, s.health.overall, "overall_health", badge=False),
    ]
    rates = [
        _card(label, value, health, key)
        for (label, value, health), (key, _) in zip(rate_lines(s), RATE_LABELS, strict=True)
    ]
    return (
        "<h2>Summary</h2>\n"
        f'<div class="cards">{"".join(cards)}</div>\n'
        "<h2>Rates and health</h2>\n"
        f'<div class="cards">{"".join(rates)}</div>\n'
        f'<p class="note">Known bugs (flag, across buckets): '
        f'<span data-field="known">{number(s.bugs.known)}</span>. Tests by status: '
        f"{escape(_counts(report.tests_by_status))}. Tests by type: "
        f"{escape(_counts(report.tests_by_type))}.</p>\n"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {number(v)}" for k, v in counts.items()) or "none"


def _figure(svg: str, caption: str, *, wide: bool = False, name: str) -> str:
    cls = ' class="wide"' if wide else ""
    return (
        f'<figure{cls} data-chart="{name}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'
    )


def _charts(report: EbrReport) -> str:
    s = report.summary.bugs
    severities = list(report.bugs_by_severity)
    severity = bar_chart(
        "Bugs by severity",
        severities,
        [report.bugs_by_severity[k] for k in severities],
        [SEVERITY_COLOURS.get(k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(severities)],
    )
    bucket = bar_chart(
        "Bugs by triage bucket",
        [label for _, label, _ in BUCKETS],
        [getattr(s, key) for key, _, _ in BUCKETS],
        [colour for _, _, colour in BUCKETS],
    )
    months = acceptance_by_month(report.tests)
    figures = [
        _figure(
            severity,
            "By severity: " + _counts(report.bugs_by_severity) + ".",
            name="severity",
        ),
        _figure(
            bucket,
            "By bucket: "
            + ", ".join(f"{label} {number(getattr(s, key))}" for key, label, _ in BUCKETS)
            + ".",
            name="bucket",
        ),
    ]
    if months:
        monthly = line_chart(
            "Acceptance by month (tests ending in the month)",
            [m.month for m in months],
            [
                (
                    label,
                    [
                        None if (r := getattr(m.quality.rates, key)) is None else r * 100
                        for m in months
                    ],
                )
                for key, label, _ in MONTHLY
            ],
            [colour for _, _, colour in MONTHLY],
        )
        figures.append(
            _figure(
                monthly,
                "Rates from the month's summed bug counts; months without bugs are gaps.",
                wide=True,
                name="monthly",
            )
        )
    table = _monthly_table(months) if months else ""
    return f'<h2>Bugs</h2>\n<div class="charts">{"".join(figures)}</div>\n{table}'


def _monthly_table(months: Sequence[MonthPoint]) -> str:
    rows = "".join(
        f'<tr data-month="{m.month}"><td>{m.month}</td><td class="n">{number(m.tests)}</td>'
        f'<td class="n">{number(m.quality.bugs.total)}</td>'
        f'<td class="n">{percent(m.quality.rates.overall_acceptance_rate)}</td>'
        f'<td class="n">{percent(m.quality.rates.active_acceptance_rate)}</td></tr>'
        for m in months
    )
    return (
        '<h2>Acceptance by month</h2>\n<table><thead><tr><th>Month</th><th class="n">Tests</th>'
        '<th class="n">Bugs</th><th class="n">Overall acceptance</th>'
        f'<th class="n">Active acceptance</th></tr></thead><tbody>{rows}</tbody></table>\n'
    )


def _tests(report: EbrReport) -> str:
    rows: list[str] = []
    for row in report.tests:
        b = row.quality.bugs
        r = row.quality.rates
        ended = row.end_at.date().isoformat() if row.end_at else ""
        rows.append(
            f'<tr data-test-id="{row.id}"><td class="n">{row.id}</td><td>{escape(row.title)}</td>'
            f'<td class="k">{escape(row.status)}</td><td class="k">{escape(row.testing_type)}</td>'
            f'<td class="k">{ended}</td>'
            f'<td class="n">{number(b.total)}</td><td class="n">{number(b.total_accepted)}</td>'
            f'<td class="n">{number(b.rejected)}</td><td class="n">{number(b.open)}</td>'
            f'<td class="n">{percent(r.overall_acceptance_rate)}</td>'
            f'<td class="n">{percent(r.rejection_rate)}</td></tr>'
        )
    head = "".join(
        f'<th class="n">{name}</th>' if numeric else f"<th>{name}</th>"
        for name, numeric in (
            ("Test", True),
            ("Title", False),
            ("Status", False),
            ("Type", False),
            ("Ended", False),
            ("Bugs", True),
            ("Accepted", True),
            ("Rejected", True),
            ("Open", True),
            ("Acceptance", True),
            ("Rejection", True),
        )
    )
    if not rows:
        rows.append('<tr><td colspan="11" class="note">No tests in scope.</td></tr>')
    more = (
        f'<p class="note">({number(report.tests_omitted)} more tests not shown.)</p>'
        if report.tests_omitted
        else ""
    )
    return (
        f"<h2>Tests ({number(len(report.tests))})</h2>\n"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}\n"
    )
