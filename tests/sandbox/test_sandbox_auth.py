"""Tokens, account isolation, and answers to bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testio.sandbox import Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


def _foreign(truth: dict[str, Any]) -> dict[str, Any]:
    """Return account 1's first product in the ground truth."""
    return truth["accounts"][1]["products"][0]


async def test_missing_token_is_answered_401(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox) as client:
        response = await client.get("products", headers={"Authorization": ""})

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


async def test_unknown_token_is_answered_401(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox, "not-a-token") as client:
        response = await client.get("products")

    assert response.status_code == 401


async def test_bearer_scheme_is_answered_401(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox) as client:
        response = await client.get(
            "products", headers={"Authorization": f"Bearer {sandbox.tokens[0]}"}
        )

    assert response.status_code == 401


async def test_token_scheme_is_accepted_in_lowercase(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox) as client:
        response = await client.get(
            "products", headers={"Authorization": f"token {sandbox.tokens[0]}"}
        )

    assert response.status_code == 200


async def test_each_token_lists_only_its_own_products(
    sandbox: Sandbox, connect: Connect, truth: dict[str, Any]
) -> None:
    async with connect(sandbox, sandbox.tokens[1]) as client:
        listed = (await client.get("products")).json()["products"]

    assert [p["id"] for p in listed] == [p["id"] for p in truth["accounts"][1]["products"]]


async def test_token_option_replaces_the_first_accounts_token(connect: Connect) -> None:
    sandbox = Sandbox(SandboxConfig(now=ANCHOR, token="my-own-token"))

    async with connect(sandbox, "my-own-token") as client:
        response = await client.get("products")

    assert sandbox.tokens[0] == "my-own-token"
    assert response.status_code == 200


async def test_another_accounts_product_is_answered_403(
    api: httpx.AsyncClient, truth: dict[str, Any]
) -> None:
    response = await api.get(f"products/{_foreign(truth)['id']}")

    assert response.status_code == 403
    assert response.json() == {"error": "Forbidden"}


async def test_another_accounts_test_list_is_answered_403(
    api: httpx.AsyncClient, truth: dict[str, Any]
) -> None:
    response = await api.get(f"products/{_foreign(truth)['id']}/exploratory_tests")

    assert response.status_code == 403


async def test_another_accounts_test_is_answered_403(
    api: httpx.AsyncClient, truth: dict[str, Any]
) -> None:
    response = await api.get(f"exploratory_tests/{_foreign(truth)['tests'][0]['id']}")

    assert response.status_code == 403


async def test_another_accounts_bug_is_answered_403(
    api: httpx.AsyncClient, truth: dict[str, Any]
) -> None:
    bug = next(b for t in _foreign(truth)["tests"] for b in t["bugs"])

    response = await api.get(f"bugs/{bug['id']}")

    assert response.status_code == 403


async def test_another_accounts_user_story_is_answered_403(
    sandbox: Sandbox, connect: Connect, truth: dict[str, Any]
) -> None:
    async with connect(sandbox, sandbox.tokens[1]) as other:
        stories = (await other.get(f"products/{_foreign(truth)['id']}/user_stories")).json()[
            "user_stories"
        ]
    async with connect(sandbox) as client:
        response = await client.get(f"user_stories/{stories[0]['id']}")

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["products/1", "exploratory_tests/1", "bugs/1", "user_stories/1"])
async def test_unknown_ids_are_answered_404(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)

    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


@pytest.mark.parametrize(
    "path",
    ["products/abc", "exploratory_tests/12x", "bugs/-5", "products/1.5/features", "products/"],
)
async def test_malformed_ids_are_answered_404_json(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"


async def test_unknown_path_is_answered_404_json(api: httpx.AsyncClient) -> None:
    response = await api.get("no_such_endpoint")

    assert response.status_code == 404
    assert response.json() == {"error": "Not found"}


async def test_non_integer_test_id_in_a_bug_batch_is_answered_400(api: httpx.AsyncClient) -> None:
    response = await api.get("bugs", params={"filter_test_cycle_ids": "1,two,3"})

    assert response.status_code == 400
    assert "error" in response.json()


async def test_foreign_and_unknown_ids_in_a_bug_batch_are_skipped(
    api: httpx.AsyncClient, truth: dict[str, Any], products: list[dict[str, Any]]
) -> None:
    own = next(t for t in products[0]["tests"] if t["bugs"])
    ids = [own["id"], _foreign(truth)["tests"][0]["id"], 1]

    response = await api.get("bugs", params={"filter_test_cycle_ids": ",".join(map(str, ids))})

    assert response.status_code == 200
    assert {b["test"]["id"] for b in response.json()["bugs"]} == {own["id"]}


async def test_another_products_environment_is_answered_404(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    other = (await api.get(f"products/{products[1]['id']}/test_environments")).json()[
        "test_environments"
    ]

    response = await api.get(f"products/{products[0]['id']}/test_environments/{other[0]['id']}")

    assert response.status_code == 404


async def test_unexpected_failure_is_answered_500_json_not_a_traceback(
    sandbox: Sandbox,
    connect: Connect,
    products: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(test: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sandbox.store, "detail", explode)
    async with connect(sandbox) as client:
        response = await client.get(f"exploratory_tests/{products[1]['tests'][0]['id']}")

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


async def test_wrong_method_is_answered_405_json(api: httpx.AsyncClient) -> None:
    response = await api.delete("products")

    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}
