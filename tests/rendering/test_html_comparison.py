"""Several products on one HTML page: a comparison chart and table, then one section each."""

from __future__ import annotations

import re
from pathlib import Path

from testio.rendering.html_comparison import render_comparison
from testio.serialize import to_jsonable
from tests.rendering.browser import load
from tests.rendering.pixels import drawn_fraction
from tests.rendering.test_html_browser import RATES, shown
from tests.world import World


async def test_a_page_of_two_products_compares_them_then_shows_each(
    synced: World, chromium: str, tmp_path: Path
) -> None:
    """The comparison chart draws, its table holds each product's JSON numbers, then two sections."""
    products = sorted(synced.products(), key=lambda p: len(p["tests"]), reverse=True)[:2]
    async with synced.app() as app, app.reports() as svc:
        multi = await svc.generate_multi_product_ebr_report(
            [p["id"] for p in products], max_rows=None
        )
    reports = multi.products
    path = tmp_path / "compare.html"
    path.write_text(render_comparison(multi), encoding="utf-8")
    page = load(chromium, path, tmp_path / "profile")
    assert page.errors == []
    assert page.requests == []
    names = [c.name for c in page.charts]
    assert names[0] == "comparison"
    assert names.count("severity") == 2
    assert drawn_fraction(page.screenshot, page.charts[0]) > 0.03
    html = path.read_text(encoding="utf-8")
    assert html.count('<section class="product"') == 2
    for report in reports:
        data = to_jsonable(report)
        s = data["summary"]
        start = html.index(f'<tr data-product-id="{data["scope"]["product"]["id"]}">')
        cells = re.findall(r"<td[^>]*>(.*?)</td>", html[start : html.index("</tr>", start)])
        assert cells == [
            data["scope"]["product"]["title"],
            f"{data['tests_in_scope']:,}",
            f"{s['bugs']['total']:,}",
            s["health"]["overall"],
            *(shown(s["rates"][rate]) for rate in RATES),
        ]
    combined = to_jsonable(multi)["combined"]
    start = html.index('<tr data-product-id="combined">')
    row = html[start : html.index("</tr>", start)]
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == [
        f"{multi.tests_in_scope:,}",
        f"{combined['bugs']['total']:,}",
        combined["health"]["overall"],
        *(shown(combined["rates"][rate]) for rate in RATES),
    ]
