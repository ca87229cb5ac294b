"""Poisoned tests: every page window holding one fails with 500, at every page size."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def _poisoned(products: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the product with a poisoned test and that test."""
    product = next(p for p in products if any(t["poisoned"] for t in p["tests"]))
    return product, next(t for t in product["tests"] if t["poisoned"])


@pytest.mark.parametrize("per_page", [25, 10, 5, 2, 1])
async def test_page_window_containing_poisoned_test_returns_500(
    api: httpx.AsyncClient, products: list[dict[str, Any]], per_page: int
) -> None:
    product, test = _poisoned(products)
    page = test["position"] // per_page + 1

    response = await api.get(
        f"products/{product['id']}/exploratory_tests", params={"page": page, "per_page": per_page}
    )

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


@pytest.mark.parametrize("offset", [-1, 1])
async def test_neighbours_of_a_poisoned_test_load_one_by_one(
    api: httpx.AsyncClient, products: list[dict[str, Any]], offset: int
) -> None:
    product, test = _poisoned(products)
    page = test["position"] + offset + 1

    response = await api.get(
        f"products/{product['id']}/exploratory_tests", params={"page": page, "per_page": 1}
    )

    assert response.status_code == 200
    assert response.json()["exploratory_tests"][0]["id"] == product["tests"][page - 1]["id"]


async def test_page_window_before_the_poisoned_test_loads(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product, test = _poisoned(products)

    response = await api.get(
        f"products/{product['id']}/exploratory_tests",
        params={"page": 1, "per_page": test["position"]},
    )

    assert response.status_code == 200
    assert len(response.json()["exploratory_tests"]) == test["position"]


async def test_unpaginated_list_returns_500_when_a_poisoned_test_is_among_the_newest_150(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product, _ = _poisoned(products)

    response = await api.get(f"products/{product['id']}/exploratory_tests")

    assert response.status_code == 500


async def test_fetching_a_poisoned_test_alone_returns_500(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    _, test = _poisoned(products)

    response = await api.get(f"exploratory_tests/{test['id']}")

    assert response.status_code == 500


async def test_bugs_of_a_poisoned_test_still_load(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    _, test = _poisoned(products)

    response = await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})

    assert response.status_code == 200
    assert len(response.json()["bugs"]) == len(test["bugs"])
