"""The HTML report in headless Chromium: charts drawn, the JSON report's numbers, no errors, A4."""

from __future__ import annotations

import io
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image

from tests.rendering.browser import find_tool, load
from tests.rendering.conftest import Written
from tests.rendering.pixels import colours, drawn_fraction

HEALTH_RGB = {
    "healthy": "rgb(30, 123, 52)",
    "warning": "rgb(164, 91, 0)",
    "critical": "rgb(180, 35, 24)",
    "unknown": "rgb(97, 110, 124)",
}
RATES = (
    "active_acceptance_rate",
    "overall_acceptance_rate",
    "auto_acceptance_rate",
    "rejection_rate",
    "review_rate",
)

LABELS = ("Active acceptance", "Overall acceptance", "Auto acceptance", "Rejection", "Review")


def shown(rate: float | None) -> str:
    """A rate as the page writes it."""
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def months_of(tests: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Tests, bugs and accepted bugs per UTC month of the JSON report's rows."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for t in tests:
        if t["end_at"] is None:
            continue
        month = per[t["end_at"][:7]]
        bugs = t["quality"]["bugs"]
        month[0] += 1
        month[1] += bugs["total"]
        month[2] += bugs["total_accepted"]
        month[3] += bugs["active_accepted"]
    return per


def test_html_report_draws_its_three_charts(
    chromium: str, written: Written, tmp_path: Path
) -> None:
    """Severity, bucket and monthly charts each cover a real area of the screenshot with ink."""
    page = load(chromium, written.path, tmp_path / "profile")
    with Image.open(io.BytesIO(page.screenshot)) as image:
        width, height = image.size
    assert [c.name for c in page.charts] == ["severity", "bucket", "monthly"]
    for chart in page.charts:
        assert chart.width > 300, chart
        assert chart.height > 150, chart
        assert chart.x + chart.width <= width, chart
        assert chart.y + chart.height <= height, chart
        assert drawn_fraction(page.screenshot, chart) > 0.03, chart
        assert colours(page.screenshot, chart) > 20, chart


def test_the_chart_check_finds_an_empty_chart_blank(chromium: str, tmp_path: Path) -> None:
    """An SVG with nothing in it reads as blank, one with a bar as drawn: the check can fail."""
    html = tmp_path / "blank.html"
    html.write_text(
        '<!DOCTYPE html><html><body style="margin:0;background:#fff">'
        '<figure data-chart="empty"><svg viewBox="0 0 600 300" width="600" height="300"></svg>'
        '</figure><figure data-chart="bar"><svg viewBox="0 0 600 300" width="600" height="300">'
        '<rect x="100" y="50" width="200" height="250" fill="#2b6cb0"/></svg></figure>'
        "</body></html>",
        encoding="utf-8",
    )
    page = load(chromium, html, tmp_path / "profile")
    empty, bar = page.charts
    assert drawn_fraction(page.screenshot, empty) < 0.001
    assert drawn_fraction(page.screenshot, bar) > 0.2


def test_html_report_shows_the_numbers_of_the_json_report(
    chromium: str, written: Written, tmp_path: Path
) -> None:
    """Summary, each rate and its health colour, every test row and every month match the JSON."""
    data = written.data
    page = load(chromium, written.path, tmp_path / "profile")
    summary = data["summary"]
    assert page.fields["tests_in_scope"] == f"{data['tests_in_scope']:,}"
    assert page.fields["bugs"] == f"{summary['bugs']['total']:,}"
    assert page.fields["known"] == f"{summary['bugs']['known']:,}"
    assert page.fields["overall_health"] == summary["health"]["overall"]
    assert page.fields["data_as_of"] == data["data_as_of"]
    for rate in RATES:
        assert page.fields[rate] == shown(summary["rates"][rate]), rate
    for rate in ("active_acceptance_rate", "auto_acceptance_rate", "rejection_rate", "review_rate"):
        level = summary["health"][rate]
        assert page.levels[rate] == [level, HEALTH_RGB[level]], rate
    expected_rows = [
        [
            str(t["id"]),
            t["title"],
            t["status"],
            t["testing_type"],
            (t["end_at"] or "")[:10],
            f"{t['quality']['bugs']['total']:,}",
            f"{t['quality']['bugs']['total_accepted']:,}",
            f"{t['quality']['bugs']['rejected']:,}",
            f"{t['quality']['bugs']['open']:,}",
            shown(t["quality"]["rates"]["overall_acceptance_rate"]),
            shown(t["quality"]["rates"]["rejection_rate"]),
        ]
        for t in data["tests"]
    ]
    assert page.rows == expected_rows
    assert len(page.rows) == data["tests_in_scope"]
    per_month = months_of(data["tests"])
    shown_months = {m[0]: m[1:] for m in page.months}
    assert set(per_month) <= set(shown_months)
    for month, (tests, bugs, accepted, active) in per_month.items():
        assert shown_months[month] == [
            f"{tests:,}",
            f"{bugs:,}",
            shown(round(accepted / bugs, 4) if bugs else None),
            shown(round(active / bugs, 4) if bugs else None),
        ], month
    for message in (w["message"] for w in data["warnings"]):
        assert message in page.text


def test_html_report_loads_nothing_and_logs_no_console_error(
    chromium: str, written: Written, tmp_path: Path
) -> None:
    """The page fetches nothing from the network and the browser reports no error on it."""
    page = load(chromium, written.path, tmp_path / "profile")
    assert len(page.charts) == 3  # the page did load
    assert page.errors == []
    assert page.requests == []


def test_the_console_check_catches_errors_exceptions_and_blocked_fetches(
    chromium: str, tmp_path: Path
) -> None:
    """A console.error, an uncaught exception and a fetch the policy blocks are all reported."""
    html = tmp_path / "broken.html"
    html.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"></head><body>"
        '<img src="https://cdn.example.com/chart.js">'
        "<script>console.error('deliberate error'); notDefined();</script></body></html>",
        encoding="utf-8",
    )
    page = load(chromium, html, tmp_path / "profile")
    assert any("deliberate error" in e for e in page.errors)
    assert any("notDefined" in e for e in page.errors)
    assert any("Content Security Policy" in e for e in page.errors)
    assert page.requests == ["https://cdn.example.com/chart.js"]


def pdf_facts(pdf: Path) -> tuple[dict[str, str], list[str]]:
    """pdfinfo's fields and pdftotext's text of each page."""
    info = subprocess.run(
        [find_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    text = subprocess.run(
        [find_tool("pdftotext"), "-raw", str(pdf), "-"],  # in the order the page draws text
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return {k.strip(): v.strip() for k, v in fields.items()}, text.split("\f")


def page_of(pages: list[str], words: str) -> int:
    found = [i for i, text in enumerate(pages) if words in " ".join(text.split())]
    assert len(found) == 1, (words, found)
    return found[0]


def test_html_report_prints_to_a4_with_its_numbers_and_no_cut_chart(
    chromium: str, written: Written, tmp_path: Path
) -> None:
    """Printed, it is a few A4 pages whose text holds the summary; no chart spans two pages."""
    data = written.data
    page = load(chromium, written.path, tmp_path / "profile")
    pdf = tmp_path / "ebr.pdf"
    pdf.write_bytes(page.pdf)
    info, pages = pdf_facts(pdf)
    width, _, height = info["Page size"].split()[:3]
    assert abs(float(width) - 595.3) < 2  # A4 is 210 x 297 mm: 595.3 x 841.9 points
    assert abs(float(height) - 841.9) < 2
    count = int(info["Pages"])
    rows_per_page = 25
    assert 2 <= count <= 3 + data["tests_in_scope"] // rows_per_page
    text = " ".join(" ".join(pages).split())
    assert f"Tests in scope {data['tests_in_scope']:,}" in text
    assert f"Bugs {data['summary']['bugs']['total']:,}" in text
    for rate, label in zip(RATES, LABELS, strict=True):
        assert f"{label} {shown(data['summary']['rates'][rate])}" in text, rate
    for title, caption in (
        ("Bugs by severity", "By severity:"),
        ("Bugs by triage bucket", "By bucket:"),
        ("Acceptance by month (tests ending in the month)", "Rates from the month"),
    ):
        assert page_of(pages, title) == page_of(pages, caption), title
