"""The HTML report as a file: escaped API text, self-contained, monthly acceptance, lazy charts."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.rendering.browser import load
from tests.server.test_tools import biggest
from tests.world import World

HOSTILE = "</td><script>alert(1)</script><img src=x onerror=alert(2)> & \"quoted\" 'single' <b>"


async def hostile_report(world: World) -> tuple[Path, int]:
    """A report with a test titled HOSTILE upstream before the sync, and that test's id."""
    product = biggest(world)
    chosen = next(
        t
        for t in product["tests"]
        if t["status"] in ("running", "locked", "archived") and not t["poisoned"]
    )
    world.sandbox.rename_test(chosen["id"], HOSTILE)
    await world.sync()
    async with world.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(product["id"], output_file="hostile.html")
    assert report.output_file is not None
    return Path(report.output_file), chosen["id"]


async def test_a_hostile_test_title_is_escaped_in_the_file(world: World) -> None:
    """Markup in a title from the API is written as text: no tag of it reaches the page."""
    path, test_id = await hostile_report(world)
    html = path.read_text(encoding="utf-8")
    assert (
        "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    )
    assert "&amp; &quot;quoted&quot; &#x27;single&#x27; &lt;b&gt;" in html
    assert "<script" not in html
    assert "<img" not in html
    assert f'data-test-id="{test_id}"' in html


async def test_a_hostile_test_title_shows_as_text_in_the_browser(
    world: World, chromium: str, tmp_path: Path
) -> None:
    """The browser shows the title verbatim in its cell, runs nothing and reports no error."""
    path, test_id = await hostile_report(world)
    page = load(chromium, path, tmp_path / "profile")
    row = next(r for r in page.rows if r[0] == str(test_id))
    assert row[1] == HOSTILE
    assert page.errors == []
    assert page.requests == []


async def test_the_file_has_all_tests_and_every_warning_however_few_rows_return_inline(
    synced: World,
) -> None:
    """max_rows caps the answer, not the file: every row and every warning message is in it."""
    async with synced.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(
            biggest(synced)["id"], output_file="all.html", max_rows=1
        )
    assert report.output_file is not None
    html = Path(report.output_file).read_text(encoding="utf-8")
    assert len(re.findall(r'<tr data-test-id="', html)) == report.tests_in_scope > 1
    assert report.warnings
    section = html[html.index('class="warnings"') : html.index("</section>")]
    for warning in report.warnings:
        assert warning.message.replace("'", "&#x27;") in section


async def test_a_page_of_a_capped_report_says_which_tests_it_covers(synced: World) -> None:
    """Rendered from a report capped to a few rows, the page warns that it shows only those."""
    from testio.rendering import render

    async with synced.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(biggest(synced)["id"], max_rows=2)
    html = render(report, "html")
    assert f"This page shows 2 of {report.tests_in_scope} tests" in html
    assert len(re.findall(r'<tr data-test-id="', html)) == 2


async def test_the_page_loads_nothing_from_anywhere(synced: World) -> None:
    """No script, stylesheet, font or image is referenced, and the policy forbids fetching any."""
    from testio.rendering import render

    async with synced.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(biggest(synced)["id"])
    html = render(report, "html")
    assert "<script" not in html
    assert not re.search(r"""(?:src|href)\s*=|@import|url\(""", html)
    assert "default-src 'none'" in html
    assert html.count("<svg") == 3


def test_monthly_acceptance_counts_every_month_from_first_to_last_with_gaps_empty() -> None:
    """Months come oldest first, a month without tests has no rates, and rates use summed counts."""
    import testio.metrics as metrics
    from testio.domain.common import Quality
    from testio.domain.reports import ReportTestRow
    from testio.rendering.timeline import acceptance_by_month

    def row(test_id: int, end: datetime | None, accepted: int, rejected: int) -> ReportTestRow:
        counts = metrics.BucketCounts(active_accepted=accepted, rejected=rejected)
        return ReportTestRow(
            test_id, "t", "archived", "coverage", end, Quality.from_buckets(counts)
        )

    rows = [
        row(1, datetime(2025, 3, 31, 23, 30, tzinfo=UTC), 1, 0),
        row(2, datetime(2025, 1, 2, tzinfo=UTC), 1, 3),
        row(3, datetime(2025, 1, 20, tzinfo=UTC), 9, 1),
        row(4, None, 5, 5),
    ]
    months = acceptance_by_month(rows)
    assert [m.month for m in months] == ["2025-01", "2025-02", "2025-03"]
    assert [m.tests for m in months] == [2, 0, 1]
    assert months[0].quality.rates.overall_acceptance_rate == round(10 / 14, 4)
    assert months[1].quality.rates.overall_acceptance_rate is None
    assert months[2].quality.bugs.total == 1


def test_the_chart_library_loads_only_when_a_page_is_drawn() -> None:
    """Importing the server and rendering other formats leave pygal unloaded; html loads it."""
    code = (
        "import sys, testio.server, testio.rendering\n"
        "print('pygal' in sys.modules)\n"
        "from testio.rendering.charts import bar_chart\n"
        "print('pygal' in sys.modules)\n"
        "bar_chart('t', ['a'], [1], ['#000'])\n"
        "print('pygal' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "False", "True"]


def test_drawing_a_chart_leaves_imports_warning_free() -> None:
    """After pygal is loaded and a chart drawn, a failed import raises no ImportWarning."""
    code = (
        "import warnings\n"
        "warnings.simplefilter('error')\n"
        "from testio.rendering.charts import bar_chart\n"
        "bar_chart('t', ['a'], [1], ['#000'])\n"
        "try:\n"
        "    import no_such_module_here\n"
        "except ModuleNotFoundError:\n"
        "    print('clean')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.stdout.strip() == "clean", done.stderr[-2000:]


async def test_a_scope_without_tests_still_makes_a_whole_page(synced: World) -> None:
    """No tests in scope: zero counts, n/a rates, empty charts and no monthly chart, no error."""
    from testio.rendering import render

    async with synced.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(
            biggest(synced)["id"], start_date="2001-01-01", end_date="2001-01-31"
        )
    html = render(report, "html")
    assert report.tests_in_scope == 0
    assert '<div class="value" data-field="tests_in_scope">0</div>' in html
    assert '<div class="value" data-field="rejection_rate">n/a</div>' in html
    assert 'data-chart="monthly"' not in html
    assert html.count("<svg") == 2
    assert "<h2>Tests (0)</h2>" in html
