"""End to end against the sandbox simulator: the client copes with every quirk it reproduces."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest
from client_fakes import RecordedSleep

from testio.client import TestIOClient, TestPage
from testio.client.payloads import Test
from testio.config import Settings
from testio.errors import AuthenticationError, NotFoundError
from testio.sandbox import Faults, RunningSandbox, SandboxApp, SandboxConfig, create_app, sandbox_of
from testio.sandbox.config import RetryAfterForm, Size


def sandbox_client(app: SandboxApp, token: str | None = None, **options: Any) -> TestIOClient:
    """A client for account 0 of the sandbox, talking to the app in process."""
    sandbox = sandbox_of(app)
    settings = Settings(
        api_url="http://sandbox.test/customer/v2",
        api_token=token or sandbox.tokens[0],
        max_retries=options.pop("max_retries", 4),
    )
    options.setdefault("sleep", RecordedSleep())
    return TestIOClient(
        settings, transport=httpx.ASGITransport(app=app), backoff_base=0.0, **options
    )


def truth(app: SandboxApp) -> dict[int, Any]:
    """Account 0's products in the sandbox's ground truth, by id."""
    products = sandbox_of(app).ground_truth()["accounts"][0]["products"]
    return {p["id"]: p for p in products}


def poisoned_product(app: SandboxApp) -> int:
    """The id of a product with a poisoned test (the generator plants at least one)."""
    return next(pid for pid, p in truth(app).items() if any(t["poisoned"] for t in p["tests"]))


async def read_all_tests(client: TestIOClient, product_id: int, per_page: int) -> list[TestPage]:
    pages: list[TestPage] = []
    while not pages or not pages[-1].is_last:
        pages.append(await client.get_test_page(product_id, len(pages) + 1, per_page))
    return pages


@pytest.fixture
def app() -> SandboxApp:
    return create_app(SandboxConfig(seed=1, size="small"))


async def test_products_are_listed_with_their_section_layout(app: SandboxApp) -> None:
    """`list_products` returns account 0's products, sections detected as the contract says."""
    async with sandbox_client(app) as client:
        products, problems = await client.list_products()

    expected = truth(app)
    assert problems == []
    assert [p.id for p in products] == list(expected)
    assert {p.id: p.has_sections for p in products} == {
        pid: p["has_sections"] for pid, p in expected.items()
    }


async def test_features_match_the_catalogue_of_every_product(app: SandboxApp) -> None:
    """Sectioned and plain products alike list exactly their catalogue's features."""
    expected = truth(app)
    async with sandbox_client(app) as client:
        products, _ = await client.list_products()
        catalogues = {p.id: await client.list_features(p) for p in products}

    assert {p["has_sections"] for p in expected.values()} == {True, False}
    for pid, (features, problems) in catalogues.items():
        assert problems == []
        assert sorted(f.id for f, _ in features) == sorted(expected[pid]["feature_ids"])
        sections: set[int] = set(
            expected[pid]["section_ids"] if expected[pid]["has_sections"] else ()
        )
        assert {sid for _, ids in features for sid in ids} <= sections
    sectioned = [p for p in expected.values() if p["has_sections"]]
    counters = sandbox_of(app).counters()
    assert counters["GET /products/{pid}/features"] == len(expected) - len(sectioned)
    assert counters["GET /products/{pid}/sections/{sid}/features"] == sum(
        len(p["section_ids"]) for p in sectioned
    )


@pytest.mark.parametrize(
    ("size", "per_page"),
    [("small", 25), ("small", 5), ("small", 3), ("medium", 25), ("medium", 10)],
)
async def test_paging_recovers_every_healthy_test_and_reports_the_poisoned_ones(
    size: Size, per_page: int
) -> None:
    """Paging a product finds every test in list order except the poisoned ones, which are problems."""
    app = create_app(SandboxConfig(seed=1, size=size))
    product_id = poisoned_product(app)
    expected = truth(app)[product_id]["tests"]
    async with sandbox_client(app) as client:
        pages = await read_all_tests(client, product_id, per_page)

    found: list[Test] = [t for page in pages for t in page.tests]
    assert [t.id for t in found] == [t["id"] for t in expected if not t["poisoned"]]
    problems = [p for page in pages for p in page.problems]
    poisoned = [t["position"] for t in expected if t["poisoned"]]
    assert [(p.kind, p.offset_start) for p in problems] == [("test_page", o) for o in poisoned]
    for problem in problems:
        start, end = problem.offset_start or 0, problem.offset_end or 0
        window = pages[start // per_page]
        first, last = (window.page - 1) * per_page, window.page * per_page
        before = expected[start - 1]["id"] if start - 1 >= first else None
        after = expected[end]["id"] if end < min(last, len(expected)) else None
        assert (problem.before_test_id, problem.after_test_id) == (before, after)


async def test_a_heavy_bug_batch_is_split_until_each_part_fits() -> None:
    """With a budget of 40 bugs per answer, all bugs of a big product still arrive, in more requests."""
    app = create_app(SandboxConfig(seed=1, size="small", bug_batch_budget=40))
    sandbox = sandbox_of(app)
    tests = truth(app)[poisoned_product(app)]["tests"]
    assert sum(len(t["bugs"]) for t in tests) > 40
    async with sandbox_client(app) as client:
        batch = await client.get_bugs([t["id"] for t in tests])

    assert sorted(b.id for b in batch.bugs) == sorted(b["id"] for t in tests for b in t["bugs"])
    assert (batch.failed_test_ids, batch.problems) == ((), ())
    assert batch.requests > 1
    assert sandbox.counters()["GET /bugs"] == batch.requests


async def test_a_test_whose_bugs_always_fail_is_isolated(app: SandboxApp) -> None:
    """A test whose bug batch always answers 500 ends in `failed_test_ids`; the others are complete."""
    tests = next(p["tests"] for p in truth(app).values() if len(p["tests"]) >= 3)
    broken = tests[2]["id"]
    sandbox_of(app).set_faults(Faults(fail_bug_batches_for=frozenset({broken})))
    async with sandbox_client(app, max_retries=2) as client:
        batch = await client.get_bugs([t["id"] for t in tests])

    assert batch.failed_test_ids == (broken,)
    assert [(p.kind, p.test_ids) for p in batch.problems] == [("bug_batch", (broken,))]
    healthy = [b["id"] for t in tests if t["id"] != broken for b in t["bugs"]]
    assert sorted(b.id for b in batch.bugs) == sorted(healthy)


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_rate_limits_are_waited_out_in_both_retry_after_forms(
    app: SandboxApp, form: RetryAfterForm
) -> None:
    """Over a 20 requests/s limit, calls are told to wait about a second, and all succeed.

    A 429 pauses the whole client until its deadline (plus jitter), so later calls wait out
    what is left of the pause before they are sent; every retried request follows a wait.
    """
    waits: list[float] = []

    async def short_sleep(delay: float) -> None:
        waits.append(delay)
        await anyio.sleep(0.06)  # enough for the bucket to refill one token

    sandbox_of(app).set_faults(Faults(rate_limit_per_s=20, retry_after_form=form))
    async with sandbox_client(app, sleep=short_sleep) as client:
        for _ in range(25):
            await client.list_products()

    assert waits, "the limit should have been hit"
    if form == "seconds":
        assert all(0.0 < w <= 1.25 for w in waits)  # 1 s, or what is left of it, plus jitter
        assert max(waits) >= 1.0
    else:
        assert all(
            0.0 <= w <= 2.5 for w in waits
        )  # a date about a second ahead, not the 30 s default
    made = sandbox_of(app).counters()["GET /products"]
    assert 25 < made <= 25 + len(waits)


async def test_random_502_and_503_are_retried_away(
    app: SandboxApp, caplog: pytest.LogCaptureFixture
) -> None:
    """With 30% of answers a 502 or 503, twenty calls all succeed after retries."""
    caplog.set_level(logging.WARNING, logger="testio.client")
    sandbox_of(app).set_faults(Faults(error_rate=0.3, fault_seed=7))
    async with sandbox_client(app, max_retries=8) as client:
        for _ in range(20):
            products, _ = await client.list_products()
            assert len(products) == len(truth(app))
        made = client.requests_made

    assert made > 20
    retried = caplog.text
    assert "HTTP 502" in retried
    assert "HTTP 503" in retried


async def test_truncated_json_is_retried_away(app: SandboxApp) -> None:
    """With 30% of bodies cut in half, every product page still parses in the end."""
    sandbox_of(app).set_faults(Faults(malformed_rate=0.3, fault_seed=3))
    async with sandbox_client(app, max_retries=8) as client:
        for _ in range(10):
            products, _ = await client.list_products()
            assert len(products) == len(truth(app))
        assert client.requests_made > 10


async def test_dropped_connections_are_retried_away(caplog: pytest.LogCaptureFixture) -> None:
    """Over real loopback HTTP, connections closed without an answer are retried until they succeed."""
    caplog.set_level(logging.WARNING, logger="testio.client")
    config = SandboxConfig(seed=1, size="small", faults=Faults(drop_rate=0.3, fault_seed=5))
    async with RunningSandbox(config) as running:
        settings = Settings(api_url=running.base_url, api_token=running.tokens[0], max_retries=8)
        async with TestIOClient(settings, backoff_base=0.0) as client:
            for _ in range(10):
                products, _ = await client.list_products()
                assert products
            made = client.requests_made

    assert made > 10
    assert "RemoteProtocolError" in caplog.text


async def test_a_wrong_token_is_an_authentication_error(app: SandboxApp) -> None:
    """The sandbox answers 401 to an unknown token, and the client raises AuthenticationError."""
    async with sandbox_client(app, token="not-a-real-token") as client:
        with pytest.raises(AuthenticationError):
            await client.list_products()
        assert client.requests_made == 1


async def test_an_unknown_product_is_not_found(app: SandboxApp) -> None:
    """A product id the account does not have raises NotFoundError without retries."""
    async with sandbox_client(app) as client:
        with pytest.raises(NotFoundError):
            await client.get_product(1)
        assert client.requests_made == 1


async def test_each_bug_carries_the_operating_system_of_its_device(app: SandboxApp) -> None:
    """`operating_system` is the first device's OS as the API sends it, and null without devices."""
    sandbox = sandbox_of(app)
    product = next(iter(truth(app).values()))
    test_ids = [t["id"] for t in product["tests"] if t["bugs"]][:3]
    async with sandbox_client(app) as client:
        batch = await client.get_bugs(test_ids)
    headers = {"Authorization": f"Token {sandbox.tokens[0]}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox.test/customer/v2/"
    ) as raw:
        answer = await raw.get(
            "bugs", params={"filter_test_cycle_ids": ",".join(map(str, test_ids))}, headers=headers
        )
    expected = {
        b["id"]: (b["devices"][0]["operating_system"]["name"] if b["devices"] else None)
        for b in answer.json()["bugs"]
    }
    assert {b.id: b.operating_system for b in batch.bugs} == expected
    assert any(os is not None for os in expected.values())
