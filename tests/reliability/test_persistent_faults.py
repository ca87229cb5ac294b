"""A fault that persists costs only the data behind it, names it, and heals with the API.

Each test compares the cache with the one a fault-free sync builds: row for row, except the
rows the failing endpoint holds, plus one open problem naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from testio.sandbox import Faults
from tests.reliability.cache_dump import CacheDump, differences, dump_cache
from tests.reliability.faulty_world import rewriting, synced_result
from tests.world import World


def _without(dump: CacheDump, keep: Callable[[str, tuple[Any, ...]], bool]) -> CacheDump:
    return {table: [row for row in rows if keep(table, row)] for table, rows in dump.items()}


def _plain_product(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if not p["has_sections"] and p["tests"])


def _sectioned_product(world: World) -> dict[str, Any]:
    return next(p for p in world.products() if p["has_sections"])


def _not_of(product_id: int) -> Callable[[str, tuple[Any, ...]], bool]:
    """Rows that do not belong to one product (problems are checked on their own)."""

    def keep(table: str, row: tuple[Any, ...]) -> bool:
        if table in ("products", "features"):
            return row[0] != product_id if table == "products" else row[1] != product_id
        if table == "tests":
            return row[1] != product_id
        if table == "bugs":
            return row[2] != product_id
        return table != "problems"

    return keep


def _new_problems(cache: CacheDump, clean: CacheDump) -> list[tuple[Any, ...]]:
    return sorted(set(cache["problems"]) - set(clean["problems"]), key=repr)


async def test_a_bug_batch_that_always_fails_costs_only_that_tests_bugs(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product, test = max(
        ((p, t) for p in world.products() for t in p["tests"] if t["status"] == "locked"),
        key=lambda pt: len(pt[1]["bugs"]),
    )
    world.sandbox.set_faults(Faults(fail_bug_batches_for=frozenset({test["id"]})))

    result = await synced_result(world)

    def others(table: str, row: tuple[Any, ...]) -> bool:
        if table in ("tests", "bugs") and test["id"] in (row[0], row[1]):
            return False
        return table != "problems" and not (table == "products" and row[0] == product["id"])

    cache = dump_cache(db_file)
    assert differences(_without(cache, others), _without(clean_small, others)) == []
    assert not [row for row in cache["bugs"] if row[1] == test["id"]]
    assert [(row[0], row[4]) for row in _new_problems(cache, clean_small)] == [
        ("bug_batch", f"[{test['id']}]")
    ]
    assert result.status == "partial"


async def test_a_test_list_that_always_fails_costs_only_that_products_tests(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product = _plain_product(world)
    api = rewriting(world)
    api.fail(rf"/products/{product['id']}/exploratory_tests")

    result = await synced_result(world)

    keep = _not_of(product["id"])
    cache = dump_cache(db_file)
    assert differences(_without(cache, keep), _without(clean_small, keep)) == []
    assert not [row for row in cache["tests"] if row[1] == product["id"]]
    assert {(row[0], row[2]) for row in _new_problems(cache, clean_small)} == {
        ("test_page", product["id"])
    }
    mine = [p.message for p in result.problems if p.product_id == product["id"]]
    assert f"Page 1 of product {product['id']}'s test list could not be read" in mine[0]


async def test_a_feature_list_that_always_fails_costs_only_the_features(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    """A product whose feature catalogue fails still has every test and bug cached."""
    product = _plain_product(world)
    api = rewriting(world)
    api.fail(rf"/products/{product['id']}/features")

    result = await synced_result(world)

    def data(table: str, row: tuple[Any, ...]) -> bool:
        return table in ("tests", "bugs")

    cache = dump_cache(db_file)
    assert differences(_without(cache, data), _without(clean_small, data)) == []
    assert [(row[0], row[2]) for row in _new_problems(cache, clean_small)] == [
        ("features", product["id"])
    ]
    (mine,) = [p for p in result.problems if p.product_id == product["id"]]
    assert "feature" in mine.message


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
