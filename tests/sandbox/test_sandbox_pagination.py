"""The test list: paging semantics, ordering by end_at with ties, and ignored parameters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from testio.sandbox import Sandbox, SandboxConfig, dataset_from_spec
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
def long_list() -> Sandbox:
    """A hand-built product with 160 tests ending a day apart (ids 100000 upwards, newest first)."""
    spec: dict[str, Any] = {
        "token": "t",
        "products": [{"id": 10, "tests": [{} for _ in range(160)]}],
    }
    return Sandbox(SandboxConfig(now=ANCHOR, dataset=dataset_from_spec(spec)))


async def _ids(client: httpx.AsyncClient, product_id: int, **params: Any) -> list[int]:
    """Fetch one test-list response and return its test ids."""
    response = await client.get(f"products/{product_id}/exploratory_tests", params=params)
    assert response.status_code == 200
    return [t["id"] for t in response.json()["exploratory_tests"]]


async def test_page_without_per_page_holds_25_tests(long_list: Sandbox, connect: Connect) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, page=1)

    assert ids == list(range(100_000, 100_025))


async def test_second_page_continues_where_the_first_ended(
    long_list: Sandbox, connect: Connect
) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, page=2, per_page=10)

    assert ids == list(range(100_010, 100_020))


async def test_list_without_page_returns_the_newest_150_tests(
    long_list: Sandbox, connect: Connect
) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, per_page=5)

    assert ids == list(range(100_000, 100_150))


async def test_page_past_the_end_is_an_empty_list(long_list: Sandbox, connect: Connect) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, page=17, per_page=10)

    assert ids == []


async def test_last_page_is_short(long_list: Sandbox, connect: Connect) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, page=7, per_page=25)

    assert len(ids) == 10


@pytest.mark.parametrize(
    ("params", "expected"), [({"page": "x"}, 25), ({"page": "0"}, 25), ({"page": "-2"}, 25)]
)
async def test_malformed_page_reads_as_page_one(
    long_list: Sandbox, connect: Connect, params: dict[str, str], expected: int
) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, **params)

    assert ids == list(range(100_000, 100_000 + expected))


@pytest.mark.parametrize("per_page", ["abc", "0", "-1", ""])
async def test_malformed_per_page_reads_as_25(
    long_list: Sandbox, connect: Connect, per_page: str
) -> None:
    async with connect(long_list) as client:
        ids = await _ids(client, 10, page=1, per_page=per_page)

    assert len(ids) == 25


async def test_unknown_query_parameters_are_ignored(long_list: Sandbox, connect: Connect) -> None:
    async with connect(long_list) as client:
        plain = await _ids(client, 10, page=2)
        filtered = await _ids(client, 10, page=2, status="archived", sort="id", filter="x")

    assert filtered == plain


async def test_per_page_cap_limits_the_page_size(connect: Connect, long_list: Sandbox) -> None:
    capped = Sandbox(SandboxConfig(now=ANCHOR, dataset=long_list.dataset, per_page_cap=10))

    async with connect(capped) as client:
        ids = await _ids(client, 10, page=1, per_page=100)

    assert len(ids) == 10


async def test_staging_profile_returns_the_whole_list_whatever_the_page(
    connect: Connect, long_list: Sandbox
) -> None:
    staging = Sandbox(SandboxConfig(now=ANCHOR, dataset=long_list.dataset, profile="staging"))

    async with connect(staging) as client:
        ids = await _ids(client, 10, page=3, per_page=5)

    assert len(ids) == 160


async def test_list_follows_end_at_descending_then_id_descending(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = next(p for p in products if not any(t["poisoned"] for t in p["tests"]))

    response = await api.get(
        f"products/{product['id']}/exploratory_tests", params={"page": 1, "per_page": 100}
    )

    items = response.json()["exploratory_tests"]
    keys = [
        (0.0 if t["end_at"] is None else -datetime.fromisoformat(t["end_at"]).timestamp(), -t["id"])
        for t in items
    ]
    assert [t["id"] for t in items] == [t["id"] for t in product["tests"]]
    assert keys == sorted(keys, key=lambda k: (k[0] != 0.0, k))


async def test_tied_tests_end_at_the_same_instant_written_with_different_offsets(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    tests = products[0]["tests"]
    tied = next(
        end
        for end in {t["end_at"] for t in tests}
        if end and sum(t["end_at"] == end for t in tests) >= 3
    )
    ids = [t["id"] for t in tests if t["end_at"] == tied]

    stamps = [
        (await api.get(f"exploratory_tests/{i}")).json()["exploratory_test"]["end_at"] for i in ids
    ]

    assert ids == sorted(ids, reverse=True)
    assert len({datetime.fromisoformat(s) for s in stamps}) == 1
    assert len(set(stamps)) == len(stamps)


def test_ids_are_not_monotonic_in_list_order(products: list[dict[str, Any]]) -> None:
    ids = [t["id"] for t in products[0]["tests"]]

    assert ids != sorted(ids, reverse=True)


def test_drafts_without_end_at_come_first(products: list[dict[str, Any]]) -> None:
    ends = [t["end_at"] for t in products[0]["tests"]]

    drafts = [i for i, end in enumerate(ends) if end is None]
    assert drafts == list(range(len(drafts)))
    assert drafts


async def test_every_status_and_testing_type_appears_in_the_test_list(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = products[0]
    seen: list[dict[str, Any]] = []
    for page in range(1, len(product["tests"]) + 1):
        response = await api.get(
            f"products/{product['id']}/exploratory_tests", params={"page": page, "per_page": 1}
        )
        if response.status_code == 200:
            seen.extend(response.json()["exploratory_tests"])

    statuses = {t["status"] for t in seen}
    assert statuses == {
        "initialized",
        "customer_finalized",
        "waiting",
        "running",
        "locked",
        "archived",
        "cancelled",
    }
    assert {t["testing_type"] for t in seen} >= {"coverage", "rapid", "focused", "external", None}
    assert {t["section"]["id"] for t in seen} == set(product["section_ids"])
