"""Section rules: which feature and user-story endpoints work on which kind of product."""

from __future__ import annotations

from typing import Any

import httpx


def _sectioned(products: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the first product with named sections."""
    return next(p for p in products if p["has_sections"])


async def test_product_features_answer_422_on_a_sectioned_product(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get(f"products/{_sectioned(products)['id']}/features")

    assert response.status_code == 422
    assert "error" in response.json()


async def test_section_features_overlap_across_sections(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = _sectioned(products)
    first, second = product["section_ids"]

    one = (await api.get(f"products/{product['id']}/sections/{first}/features")).json()["features"]
    two = (await api.get(f"products/{product['id']}/sections/{second}/features")).json()["features"]

    shared = {f["id"] for f in one} & {f["id"] for f in two}
    assert shared
    assert {f["id"] for f in one} | {f["id"] for f in two} == set(product["feature_ids"])


async def test_user_stories_without_section_id_answer_500_on_a_sectioned_product(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get(f"products/{_sectioned(products)['id']}/user_stories")

    assert response.status_code == 500


async def test_user_stories_with_section_id_list_that_sections_stories(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = _sectioned(products)
    section_id = product["section_ids"][0]
    features = (await api.get(f"products/{product['id']}/sections/{section_id}/features")).json()[
        "features"
    ]

    response = await api.get(
        f"products/{product['id']}/user_stories", params={"section_id": section_id}
    )

    titles = {s["title"] for s in response.json()["user_stories"]}
    assert titles == {t for f in features for t in f["user_stories"]}


async def test_product_without_sections_lists_features_and_user_stories_directly(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    legacy = next(p for p in products if not p["has_sections"])

    features = await api.get(f"products/{legacy['id']}/features")
    stories = await api.get(f"products/{legacy['id']}/user_stories")

    assert (features.status_code, stories.status_code) == (200, 200)
    assert len(features.json()["features"]) == len(legacy["feature_ids"])
    assert stories.json()["user_stories"]


async def test_one_product_has_no_named_sections_but_two_default_sections(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    listed = (await api.get("products")).json()["products"]

    hybrid = next(p for p in listed if p["sections"] == [] and len(p["sections_with_default"]) >= 2)
    response = await api.get(f"products/{hybrid['id']}/features")

    assert response.status_code == 422


async def test_legacy_product_has_one_default_section(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    legacy = next(p for p in products if not p["has_sections"])

    product = (await api.get(f"products/{legacy['id']}")).json()["product"]

    assert product["sections"] == []
    assert [s["name"] for s in product["sections_with_default"]] == ["default-section"]
    assert product["default_section_id"] == product["sections_with_default"][0]["id"]


async def test_section_of_another_product_answers_404(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product, other = products[0], products[1]

    response = await api.get(
        f"products/{product['id']}/sections/{other['section_ids'][0]}/features"
    )

    assert response.status_code == 404


async def test_non_integer_section_id_is_answered_400(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.get(
        f"products/{_sectioned(products)['id']}/user_stories", params={"section_id": "x"}
    )

    assert response.status_code == 400
