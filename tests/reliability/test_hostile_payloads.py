"""Hostile API payloads are rejected item by item, with a log line and a problem; the rest syncs.

An ASGI layer in front of the sandbox rewrites chosen responses; each test compares the cache
with the one a clean sync builds, leaving out only the rows of the hostile item.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from testio.client.fields import MAX_TEXT
from tests.reliability.cache_dump import (
    CacheDump,
    differences,
    dump_cache,
    excluding,
    new_open_problems,
)
from tests.reliability.faulty_world import rewriting, synced_result
from tests.reliability.rewriting_api import Rewrite
from tests.world import World


def _product(world: World) -> dict[str, Any]:
    """A product without sections whose tests all fit on one list page, with bugs."""
    return next(p for p in world.products() if not p["has_sections"] and len(p["tests"]) > 5)


def _target(world: World) -> dict[str, Any]:
    """An archived test of that product with a few bugs."""
    return next(t for t in _product(world)["tests"] if t["status"] == "archived" and t["bugs"])


def _edit(envelope: str, item_id: int, change: Callable[[list[Any], int], None]) -> Rewrite:
    """A rewrite that lets `change(items, index)` alter the item with `item_id`."""

    def rewrite(body: Any) -> bytes:
        items: list[Any] = body[envelope]
        index = next((i for i, item in enumerate(items) if item.get("id") == item_id), None)
        if index is not None:
            change(items, index)
        return json.dumps(body).encode()

    return rewrite


def _hostile(world: World, path: str, rewrite: Rewrite) -> None:
    rewriting(world).rewrite(path, rewrite)


def _bugs_complete(db_file: Path, test_id: int) -> bool:
    with closing(sqlite3.connect(db_file)) as conn:
        (complete,) = conn.execute(
            "SELECT bugs_complete FROM tests WHERE id = ?", (test_id,)
        ).fetchone()
    return bool(complete)


def _drop(key: str) -> Callable[[list[Any], int], None]:
    return lambda items, i: items[i].pop(key)


def _set(key: str, value: Any) -> Callable[[list[Any], int], None]:
    return lambda items, i: items[i].__setitem__(key, value)


HOSTILE_TESTS: dict[str, Callable[[list[Any], int], None]] = {
    "missing its status": _drop("status"),
    "missing its id": _drop("id"),
    "with text for its id": _set("id", "9" * 5000),
    "with a nested list for its status": _set("status", [[["archived"]]]),
    "that is a string, not an object": lambda items, i: items.__setitem__(i, "x" * 100_000),
}


@pytest.mark.parametrize("case", list(HOSTILE_TESTS))
async def test_a_hostile_test_is_skipped_with_a_log_line_and_a_problem_and_the_rest_syncs(
    world: World,
    db_file: Path,
    clean_small: CacheDump,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    product, test = _product(world), _target(world)
    path = rf"/products/{product['id']}/exploratory_tests"
    _hostile(world, path, _edit("exploratory_tests", test["id"], HOSTILE_TESTS[case]))
    caplog.set_level(logging.WARNING, logger="testio")

    await synced_result(world)

    cache = dump_cache(db_file)
    rest: dict[str, Any] = {"tests": [test["id"]], "tables": ["problems"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert test["id"] not in {row[0] for row in cache["tests"]}
    assert [(row[0], row[2]) for row in new_open_problems(cache, clean_small)] == [
        ("payload", product["id"])
    ]
    assert f"Skipped an unreadable item of product {product['id']}'s test list" in caplog.text


HOSTILE_BUGS: dict[str, Callable[[list[Any], int], None]] = {
    "missing its status": _drop("status"),
    "with a negative id": _set("id", -5),
    "with an object for its status": _set("status", {"deep": [[[[[[[[1]]]]]]]]}),
}


@pytest.mark.parametrize("case", list(HOSTILE_BUGS))
async def test_a_hostile_bug_marks_its_tests_bugs_incomplete_and_the_rest_syncs(
    world: World,
    db_file: Path,
    clean_small: CacheDump,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    test = _target(world)
    bug = test["bugs"][0]
    _hostile(world, r"/bugs\?", _edit("bugs", bug["id"], HOSTILE_BUGS[case]))
    caplog.set_level(logging.WARNING, logger="testio")

    await synced_result(world)

    cache = dump_cache(db_file)
    # The products table differs too: the test's product is not marked synced.
    rest: dict[str, Any] = {"tests": [test["id"]], "tables": ["problems", "products"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert not _bugs_complete(db_file, test["id"])
    assert {r[0] for r in cache["bugs"] if r[1] == test["id"]} == {
        b["id"] for b in test["bugs"]
    } - {bug["id"]}
    assert [(p[0], p[4]) for p in new_open_problems(cache, clean_small)] == [
        ("bug_batch", f"[{test['id']}]")
    ]
    assert "Skipped an unreadable item of GET bugs" in caplog.text


async def test_an_unreadable_bug_naming_no_test_marks_every_test_of_its_batch_incomplete(
    world: World, db_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its test is unknown, so no test of the batch may claim a complete bug count."""
    test = _target(world)
    bug = test["bugs"][0]
    _hostile(world, r"/bugs\?", _edit("bugs", bug["id"], _drop("test")))
    caplog.set_level(logging.WARNING, logger="testio")

    result = await synced_result(world)

    (problem,) = [p for p in result.problems if p.kind == "bug_batch"]
    assert test["id"] in problem.test_ids
    assert not any(_bugs_complete(db_file, t) for t in problem.test_ids)
    assert "Skipped an unreadable item of GET bugs" in caplog.text


async def test_a_huge_string_is_stored_cut_to_the_text_limit_and_the_rest_syncs(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product, test = _product(world), _target(world)
    path = rf"/products/{product['id']}/exploratory_tests"
    _hostile(world, path, _edit("exploratory_tests", test["id"], _set("title", "A" * 5_000_000)))

    await synced_result(world)

    cache = dump_cache(db_file)
    rest: dict[str, Any] = {"tests": [test["id"]]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    with closing(sqlite3.connect(db_file)) as conn:
        (title,) = conn.execute("SELECT title FROM tests WHERE id = ?", (test["id"],)).fetchone()
    assert title == "A" * MAX_TEXT
    assert new_open_problems(cache, clean_small) == []


async def test_deep_nesting_inside_an_item_is_ignored_where_it_can_be_decoded(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product, test = _product(world), _target(world)
    path = rf"/products/{product['id']}/exploratory_tests"
    deep = json.loads("[" * 500 + "]" * 500)
    _hostile(world, path, _edit("exploratory_tests", test["id"], _set("extra", deep)))

    await synced_result(world)

    assert differences(dump_cache(db_file), clean_small) == []


async def test_nesting_too_deep_to_decode_costs_only_its_page(
    world: World, db_file: Path, clean_small: CacheDump, caplog: pytest.LogCaptureFixture
) -> None:
    product, test = _product(world), _target(world)
    marker = '"deep-nesting-goes-here"'

    def rewrite(body: Any) -> bytes:
        item = next(i for i in body["exploratory_tests"] if i["id"] == test["id"])
        item["extra"] = json.loads(marker)
        return json.dumps(body).replace(marker, "[" * 100_000 + "]" * 100_000).encode()

    _hostile(world, rf"/products/{product['id']}/exploratory_tests\?page=1&", rewrite)
    caplog.set_level(logging.WARNING, logger="testio")

    await synced_result(world)

    cache = dump_cache(db_file)

    rest: dict[str, Any] = {"products": [product["id"]], "tables": ["problems"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert [(row[0], row[2]) for row in new_open_problems(cache, clean_small)] == [
        ("test_page", product["id"])
    ]
    assert "unexpected body: RecursionError" in caplog.text


async def test_a_test_listed_twice_with_different_content_keeps_its_first_copy_and_is_a_problem(
    world: World, db_file: Path, clean_small: CacheDump, caplog: pytest.LogCaptureFixture
) -> None:
    product, test = _product(world), _target(world)

    def twice(items: list[Any], i: int) -> None:
        items.append({**items[i], "title": "An impostor"})

    path = rf"/products/{product['id']}/exploratory_tests"
    _hostile(world, path, _edit("exploratory_tests", test["id"], twice))
    caplog.set_level(logging.WARNING, logger="testio")

    await synced_result(world)

    cache = dump_cache(db_file)
    rest: dict[str, Any] = {"tables": ["problems"]}
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert [(row[0], row[4]) for row in new_open_problems(cache, clean_small)] == [
        ("payload", f"[{test['id']}]")
    ]
    assert f"Test {test['id']} is listed twice" in caplog.text


async def test_a_test_listed_twice_identically_is_stored_once_without_a_problem(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    product, test = _product(world), _target(world)
    path = rf"/products/{product['id']}/exploratory_tests"
    _hostile(
        world,
        path,
        _edit("exploratory_tests", test["id"], lambda items, i: items.append(items[i])),
    )

    await synced_result(world)

    assert differences(dump_cache(db_file), clean_small) == []


async def test_a_bug_listed_twice_with_different_content_is_a_problem(
    world: World, db_file: Path, clean_small: CacheDump
) -> None:
    test = _target(world)
    bug = test["bugs"][0]

    def twice(items: list[Any], i: int) -> None:
        items.append({**items[i], "status": "rejected"})

    _hostile(world, r"/bugs\?", _edit("bugs", bug["id"], twice))

    await synced_result(world)

    assert new_open_problems(dump_cache(db_file), clean_small) != []


async def test_an_unreadable_product_is_skipped_with_a_problem_and_the_others_sync(
    world: World, db_file: Path, clean_small: CacheDump, caplog: pytest.LogCaptureFixture
) -> None:
    product = _product(world)
    _hostile(world, r"/products\?$", _edit("products", product["id"], _drop("id")))
    caplog.set_level(logging.WARNING, logger="testio")

    result = await synced_result(world)

    rest: dict[str, Any] = {"products": [product["id"]], "tables": ["problems"]}
    cache = dump_cache(db_file)
    assert differences(excluding(cache, **rest), excluding(clean_small, **rest)) == []
    assert not [row for row in cache["tests"] if row[1] == product["id"]]
    assert [p.kind for p in result.problems if p.product_id is None] == ["payload"]
    assert "Skipped an unreadable item of GET products" in caplog.text
