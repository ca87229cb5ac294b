"""A fault that persists costs only the data behind it, names it, and heals with the API.

Each test compares the cache with the one a fault-free sync builds: row for row, except the
rows behind the failing endpoint, plus open problems naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testio.sandbox import Faults
from tests.reliability.cache_dump import (
    CacheDump,
    differences,
    dump_cache,
    excluding,
    new_open_problems,
)
from tests.reliability.faulty_world import rewriting, synced_result
from tests.world import World


def _plain_product(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if not p["has_sections"] and p["tests"])


def _sectioned_product(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if p["has_sections"])


async def test_a_bug_batch_that_always_fails_costs_only_that_tests_bugs(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    test = max(
        (t for p in world.products() for t in p["tests"] if t["status"] == "locked"),
        key=lambda t: len(t["bugs"]),
    )
    world.sandbox.set_faults(Faults(fail_bug_batches_for=frozenset({test["id"]})))

    result = await synced_result(world)

    cache = dump_cache(db_file)
    # The products table differs too: the test's product is not marked synced.
    rest: dict[str, Any] = {"tests": [test["id"]], "tables": ["problems", "products"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert not [row for row in cache["bugs"] if row[1] == test["id"]]
    assert [(row[0], row[4]) for row in new_open_problems(cache, clean_small)] == [
        ("bug_batch", f"[{test['id']}]")
    ]
    assert result.status == "partial"


async def test_a_test_list_that_always_fails_costs_only_that_products_tests(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product = _plain_product(world)
    rewriting(world).fail(rf"/products/{product['id']}/exploratory_tests")

    result = await synced_result(world)

    cache = dump_cache(db_file)
    rest: dict[str, Any] = {"products": [product["id"]], "tables": ["problems"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert not [row for row in cache["tests"] if row[1] == product["id"]]
    assert {(row[0], row[2]) for row in new_open_problems(cache, clean_small)} == {
        ("test_page", product["id"])
    }
    mine = [p.message for p in result.problems if p.product_id == product["id"]]
    assert f"Page 1 of product {product['id']}'s test list could not be read" in mine[0]


async def test_a_feature_list_that_always_fails_costs_only_the_features(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    """A product whose feature catalogue fails (its user stories are read with it) still has
    every test and bug cached."""
    product = _plain_product(world)
    rewriting(world).fail(rf"/products/{product['id']}/features")

    result = await synced_result(world)

    cache = dump_cache(db_file)
    rest: dict[str, Any] = {"tables": ["problems", "products", "features", "user_stories"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert [(row[0], row[2]) for row in new_open_problems(cache, clean_small)] == [
        ("features", product["id"])
    ]
    (mine,) = [p for p in result.problems if p.product_id == product["id"]]
    assert f"The feature catalogue of product {product['id']} could not be read" in mine.message


FAILING: dict[str, Callable[[World], str]] = {
    "a test list page": lambda w: rf"/products/{_plain_product(w)['id']}/exploratory_tests",
    "a plain feature list": lambda w: rf"/products/{_plain_product(w)['id']}/features",
    "the features of a section": lambda w: (
        rf"/products/{_sectioned_product(w)['id']}/sections/\d+/features"
    ),
}


@pytest.mark.parametrize("endpoint", list(FAILING))
async def test_the_sync_after_the_api_recovers_restores_the_clean_cache_and_closes_the_problem(
    world: World, db_file: Path, clean_small: CacheDump, endpoint: str
) -> None:
    """The fault hits a second, full sync; the third, incremental, heals everything."""
    await synced_result(world)
    api = rewriting(world)
    api.fail(FAILING[endpoint](world))

    failed = await synced_result(world, full=True)
    api.clear()
    healed = await synced_result(world)

    assert api.hits > 0
    assert len(failed.problems) > 1
    assert differences(dump_cache(db_file), clean_small) == []
    assert [p.kind for p in healed.problems] == ["test_page"]
