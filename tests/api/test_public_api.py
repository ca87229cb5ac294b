"""The Python API scripts use: `testio.open()`, services in `async with`, plain JSON results."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import testio
from testio.cache.engine import connections_checked_out
from tests.world import World


def test_importing_testio_does_not_load_the_mcp_sdk_sqlalchemy_or_httpx() -> None:
    code = "import sys, testio; print(sorted(m for m in ('mcp', 'sqlalchemy', 'httpx') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_public_name_is_importable() -> None:
    missing = [name for name in testio.__all__ if not hasattr(testio, name)]
    assert missing == []


async def test_a_script_gets_plain_json_from_the_same_services_the_tools_use(
    synced: World,
) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    async with synced.app() as app:
        async with app.reports() as reports:
            ebr = await reports.generate_ebr_report(product["id"])
        assert await connections_checked_out(app.engine) == 0
    data = testio.to_jsonable(ebr)
    assert json.loads(json.dumps(data)) == data
    assert data["scope"]["product"]["id"] == product["id"]
    assert isinstance(ebr, testio.EbrReport)


async def test_a_service_used_outside_async_with_raises_a_clear_error(synced: World) -> None:
    async with synced.app() as app:
        tests = app.tests()
        with pytest.raises(testio.ServiceStateError, match="use it inside `async with"):
            await tests.list_tests(1)


async def test_a_service_cannot_be_entered_twice_or_reused(synced: World) -> None:
    async with synced.app() as app:
        products = app.products()
        async with products:
            with pytest.raises(testio.ServiceStateError, match="already open"):
                await products.__aenter__()
        with pytest.raises(testio.ServiceStateError, match="finished its unit of work"):
            await products.list_products()


async def test_an_app_used_after_closing_raises_a_clear_error(synced: World) -> None:
    app = synced.app()
    async with app:
        pass
    with pytest.raises(testio.ServiceStateError, match="closed"):
        app.reports()
    with pytest.raises(testio.ServiceStateError, match="create a new one"):
        await app.__aenter__()


async def test_without_a_token_the_app_answers_from_the_cache(synced: World) -> None:
    async with synced.app(api_token=None) as app:
        assert app.client is None
        async with app.products() as products:
            listing = await products.list_products()
    assert listing.total == len(synced.products())


async def test_a_script_gets_grouped_metrics_from_the_analytics_service(synced: World) -> None:
    """app.analytics() answers query_metrics with a MetricsReport whose groups add up."""
    async with synced.app() as app, app.analytics() as analytics:
        result = await analytics.query_metrics(["severity"], start_date="2026-01-01")
    assert isinstance(result, testio.MetricsReport)
    assert all(isinstance(g, testio.MetricsGroup) for g in result.groups)
    assert sum(g.quality.bugs.total for g in result.groups) == result.summary.bugs.total
    assert result.scope.start_date is not None
    assert result.scope.group_by == ("severity",)


async def test_a_script_gets_a_multi_product_report_from_the_report_service(synced: World) -> None:
    """generate_multi_product_ebr_report returns a MultiProductEbrReport of the products asked."""
    ids = sorted(p["id"] for p in synced.products())
    async with synced.app() as app, app.reports() as reports:
        result = await reports.generate_multi_product_ebr_report(ids, max_rows=0)
    assert isinstance(result, testio.MultiProductEbrReport)
    assert [c.product.id for c in result.comparison] == ids
    assert all(isinstance(c, testio.ProductComparison) for c in result.comparison)
    assert result.combined.bugs.total == sum(p.summary.bugs.total for p in result.products)


@pytest.mark.sqlite_only
async def test_a_script_reads_bugs_the_catalogue_and_search_from_the_services_the_tools_use(
    synced: World,
) -> None:
    product = max(synced.products(), key=lambda p: len(p["tests"]))
    async with synced.app() as app:
        async with app.bugs() as bugs:
            listed = await bugs.list_bugs(product_id=product["id"], sort="severity")
            bug = await bugs.get_bug(listed.bugs[0].id)
        async with app.catalogue() as catalogue:
            features = await catalogue.list_features(product["id"])
            stories = await catalogue.list_user_stories(product["id"])
        async with app.search() as search:
            found = await search.search(bug.title, kinds=["bug"], limit=100)
        assert await connections_checked_out(app.engine) == 0
    assert isinstance(listed, testio.BugList)
    assert isinstance(bug, testio.BugDetail)
    assert isinstance(features, testio.FeatureList)
    assert isinstance(stories, testio.UserStoryList)
    assert isinstance(found, testio.SearchResults)
    assert listed.total == sum(len(t["bugs"]) for t in product["tests"] if not t["poisoned"])
    assert features.total == len(product["feature_ids"])
    assert stories.total == product["story_count"]
    assert bug.id in [h.id for h in found.hits]
    data = testio.to_jsonable(bug)
    assert json.loads(json.dumps(data)) == data


async def test_search_on_a_postgresql_cache_says_it_needs_the_sqlite_cache(
    synced: World,
) -> None:
    """On PostgreSQL every other service works; search is one clear error, not a crash."""
    if not synced.settings.database_url.startswith("postgresql"):
        pytest.skip("the SQLite variant is the test above")
    async with synced.app() as app, app.search() as search:
        with pytest.raises(testio.TestioError, match="Search needs the SQLite cache"):
            await search.search("checkout")
