"""Determinism: the same seed and "now" give byte-identical responses across starts."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from testio.sandbox import Sandbox, SandboxConfig, demo_token, generate_dataset
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


async def _crawl(sandbox: Sandbox, connect: Connect) -> list[tuple[str, int, bytes]]:
    """Fetch every read endpoint of account 0 and return (path, status, body) triples."""
    seen: list[tuple[str, int, bytes]] = []
    async with connect(sandbox) as client:

        async def fetch(path: str) -> httpx.Response:
            response = await client.get(path)
            seen.append((path, response.status_code, response.content))
            return response

        products = (await fetch("products")).json()["products"]
        for product in products:
            pid = product["id"]
            await fetch(f"products/{pid}")
            await fetch(f"products/{pid}/test_environments")
            for section in product["sections"] or product["sections_with_default"]:
                await fetch(f"products/{pid}/sections/{section['id']}/features")
                await fetch(f"products/{pid}/user_stories?section_id={section['id']}")
            test_ids: list[int] = []
            for page in range(1, 40):
                response = await fetch(f"products/{pid}/exploratory_tests?page={page}&per_page=1")
                if response.status_code == 200:
                    items = response.json()["exploratory_tests"]
                    if not items:
                        break
                    test_ids.extend(t["id"] for t in items)
            for start in range(0, len(test_ids), 10):
                await fetch(
                    "bugs?filter_test_cycle_ids=" + ",".join(map(str, test_ids[start : start + 10]))
                )
        await fetch("bugs/reject_reasons")
    return seen


async def test_two_starts_with_the_same_seed_and_now_answer_byte_identically(
    connect: Connect,
) -> None:
    first = await _crawl(Sandbox(SandboxConfig(seed=7, now=ANCHOR)), connect)
    second = await _crawl(Sandbox(SandboxConfig(seed=7, now=ANCHOR)), connect)

    assert len(first) > 50
    assert first == second


def test_the_same_seed_generates_an_equal_dataset() -> None:
    assert generate_dataset(3, "small") == generate_dataset(3, "small")


async def test_different_seeds_give_different_data(connect: Connect) -> None:
    async with connect(Sandbox(SandboxConfig(seed=1, now=ANCHOR))) as one:
        first = (await one.get("products")).content
    async with connect(Sandbox(SandboxConfig(seed=2, now=ANCHOR))) as two:
        second = (await two.get("products")).content

    assert first != second


def test_demo_tokens_are_fixed_per_seed_and_distinct_per_account() -> None:
    tokens = Sandbox(SandboxConfig(seed=1)).tokens

    assert tokens == Sandbox(SandboxConfig(seed=1)).tokens
    assert tokens[0] == demo_token(1, 0)
    assert len(set(tokens)) == len(tokens) >= 2
    assert tokens != Sandbox(SandboxConfig(seed=2)).tokens
