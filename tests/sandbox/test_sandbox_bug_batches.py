"""GET bugs: the 524 rule for heavy batches, filters, ordering and the comma-separated id list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from testio.sandbox import Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


def _with_bugs(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return account 0's tests that have bugs."""
    return [t for p in products for t in p["tests"] if t["bugs"]]


def _ids(tests: list[dict[str, Any]]) -> str:
    """Join test ids the way the API expects them."""
    return ",".join(str(t["id"]) for t in tests)


async def test_heavy_bug_batch_returns_524_with_an_html_body(
    connect: Connect, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:4]
    budget = max(sum(len(t["bugs"]) for t in tests[:2]), sum(len(t["bugs"]) for t in tests[2:]))
    tight = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=budget))

    async with connect(tight) as client:
        response = await client.get("bugs", params={"filter_test_cycle_ids": _ids(tests)})

    assert response.status_code == 524
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!DOCTYPE html>")


async def test_both_halves_of_a_heavy_batch_return_200(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:4]
    budget = max(sum(len(t["bugs"]) for t in tests[:2]), sum(len(t["bugs"]) for t in tests[2:]))
    tight = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=budget))

    async with connect(tight) as client:
        first = await client.get("bugs", params={"filter_test_cycle_ids": _ids(tests[:2])})
        second = await client.get("bugs", params={"filter_test_cycle_ids": _ids(tests[2:])})

    assert (first.status_code, second.status_code) == (200, 200)
    assert len(first.json()["bugs"]) + len(second.json()["bugs"]) == sum(
        len(t["bugs"]) for t in tests
    )


async def test_single_test_batch_never_returns_524(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    heavy = max(_with_bugs(products), key=lambda t: len(t["bugs"]))
    tight = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=5))

    async with connect(tight) as client:
        response = await client.get("bugs", params={"filter_test_cycle_ids": str(heavy["id"])})

    assert response.status_code == 200
    assert len(response.json()["bugs"]) == len(heavy["bugs"]) > 5


async def test_batch_with_more_ids_than_the_limit_returns_524(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:4]
    limited = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_max_ids=3))

    async with connect(limited) as client:
        response = await client.get("bugs", params={"filter_test_cycle_ids": _ids(tests)})

    assert response.status_code == 524


async def test_batch_accepts_url_encoded_commas(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:2]

    response = await api.get(f"bugs?filter_test_cycle_ids={tests[0]['id']}%2C{tests[1]['id']}")

    assert {b["test"]["id"] for b in response.json()["bugs"]} == {t["id"] for t in tests}


async def test_bugs_come_ordered_by_reported_at_then_id(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:6]

    bugs = (await api.get("bugs", params={"filter_test_cycle_ids": _ids(tests)})).json()["bugs"]

    keys = [(datetime.fromisoformat(b["reported_at"]), b["id"]) for b in bugs]
    assert keys == sorted(keys)


async def test_batch_without_filters_returns_every_bug_of_the_account(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    roomy = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=100_000))

    async with connect(roomy) as client:
        bugs = (await client.get("bugs")).json()["bugs"]

    assert sorted(b["id"] for b in bugs) == sorted(
        b["id"] for t in _with_bugs(products) for b in t["bugs"]
    )


async def test_product_filter_returns_only_that_products_bugs(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    roomy = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=100_000))
    product = products[1]

    async with connect(roomy) as client:
        bugs = (await client.get("bugs", params={"filter_product_ids": str(product["id"])})).json()[
            "bugs"
        ]

    assert {b["product"]["id"] for b in bugs} == {product["id"]}
    assert len(bugs) == sum(len(t["bugs"]) for t in product["tests"])


async def test_section_filter_returns_only_bugs_of_tests_in_that_section(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    roomy = Sandbox(SandboxConfig(now=ANCHOR, bug_batch_budget=100_000))
    product = products[0]
    section_id = product["section_ids"][1]

    async with connect(roomy) as client:
        bugs = (await client.get("bugs", params={"filter_section_ids": str(section_id)})).json()[
            "bugs"
        ]

    expected = {
        b["id"] for t in product["tests"] if t["section_id"] == section_id for b in t["bugs"]
    }
    assert {b["id"] for b in bugs} == expected


async def test_filters_combine_with_and(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    test = _with_bugs([products[0]])[0]

    response = await api.get(
        "bugs",
        params={
            "filter_test_cycle_ids": str(test["id"]),
            "filter_product_ids": str(products[1]["id"]),
        },
    )

    assert response.json()["bugs"] == []


async def test_export_status_exported_returns_only_exported_bugs(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:10]

    bugs = (
        await api.get(
            "bugs", params={"filter_test_cycle_ids": _ids(tests), "export_status": "exported"}
        )
    ).json()["bugs"]

    expected = {b["id"] for t in tests for b in t["bugs"] if b["exported"]}
    assert expected
    assert {b["id"] for b in bugs} == expected
    assert all(b["exported_at"] is not None for b in bugs)


async def test_export_status_not_exported_leaves_out_exported_bugs(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    tests = _with_bugs(products)[:10]

    bugs = (
        await api.get(
            "bugs", params={"filter_test_cycle_ids": _ids(tests), "export_status": "not_exported"}
        )
    ).json()["bugs"]

    assert bugs
    assert all(b["exported_at"] is None for b in bugs)


async def test_unknown_export_status_is_answered_400(api: httpx.AsyncClient) -> None:
    response = await api.get("bugs", params={"export_status": "maybe"})

    assert response.status_code == 400


async def test_search_by_external_idx_finds_the_exported_bug(connect: Connect) -> None:
    sandbox = Sandbox(SandboxConfig(size="medium", now=ANCHOR, bug_batch_budget=100_000))
    product = next(
        p for p in sandbox.store.products.values() if p.connection is not None and p.account == 0
    )
    async with connect(sandbox) as client:
        bugs = (
            await client.get(
                "bugs", params={"filter_product_ids": str(product.id), "export_status": "exported"}
            )
        ).json()["bugs"]
        key = bugs[0]["external_idx"]

        found = (await client.post("bugs", json={"bug": {"external_idx": key}})).json()
        missing = (await client.post("bugs", json={"bug": {"external_idx": "NOPE-1"}})).json()

    assert [b["id"] for b in found["bugs"]] == [bugs[0]["id"]]
    assert missing == {"bugs": []}
