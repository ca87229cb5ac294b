"""Retries, rate limits, the in-flight cap, and the typed errors of the request loop."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import httpx
import pytest
from client_fakes import (
    BASE,
    TOKEN,
    ClientFactory,
    Handler,
    RecordedSleep,
    path_of,
    product,
)

from testio.client import TestIOClient
from testio.config import Settings
from testio.errors import (
    ApiError,
    ApiUnreachableError,
    ApiValidationError,
    AuthenticationError,
    ForbiddenError,
    GatewayTimeoutError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)


def ok() -> httpx.Response:
    return httpx.Response(200, json={"products": []})


def scripted(*answers: httpx.Response | Exception) -> tuple[list[httpx.Request], Handler]:
    """A handler that gives `answers` in turn (raising the exceptions), and the requests it saw."""
    seen: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(queue)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return seen, handler


def too_many(retry_after: str | None) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(429, json={"error": "Too many requests"}, headers=headers)


async def test_a_429_with_retry_after_zero_is_retried_at_once(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """`Retry-After: 0` means one wait of 0 s, then the retry succeeds."""
    seen, handler = scripted(too_many("0"), ok())
    async with make_client(handler) as client:
        products, _ = await client.list_products()
    assert products == []
    assert len(seen) == 2
    assert sleep.waits == [0.0]


async def test_a_429_with_an_http_date_waits_until_that_date(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """`Retry-After` as an HTTP-date a second ahead means a wait of at most about a second."""
    ahead = format_datetime(datetime.now(UTC) + timedelta(seconds=1), usegmt=True)
    seen, handler = scripted(too_many(ahead), ok())
    async with make_client(handler) as client:
        await client.list_products()
    assert len(seen) == 2
    (wait,) = sleep.waits
    assert 0.0 <= wait <= 1.5


async def test_a_429_without_retry_after_waits_thirty_seconds(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """An absent `Retry-After` defaults to 30 s."""
    _, handler = scripted(too_many(None), ok())
    async with make_client(handler) as client:
        await client.list_products()
    (wait,) = sleep.waits
    assert 30.0 <= wait <= 30.5  # plus up to half a second of jitter


async def test_a_long_retry_after_is_capped(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """A 429 asking for an hour waits only the cap."""
    _, handler = scripted(too_many("3600"), ok())
    async with make_client(handler, retry_after_cap=60.0) as client:
        await client.list_products()
    (wait,) = sleep.waits
    assert 60.0 <= wait <= 60.5  # plus up to half a second of jitter


async def test_persistent_429_becomes_rate_limited_error(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """Once a request has waited its rate-limit budget, the next 429 raises RateLimitedError."""
    seen, handler = scripted(*[too_many("7") for _ in range(3)])
    async with make_client(handler, rate_limit_budget_s=10.0) as client:
        with pytest.raises(RateLimitedError, match="s of waiting") as caught:
            await client.list_products()
    assert len(seen) == 3  # waited 7 s (< 10), then 14 s (≥ 10): the third 429 is final
    assert len(sleep.waits) == 2
    assert all(7.0 <= w <= 7.5 for w in sleep.waits)
    assert caught.value.retry_after == 7.0
    assert caught.value.status == 429


async def test_a_zero_rate_limit_budget_gives_up_on_the_first_429(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """With no budget for rate-limit waits, the first 429 is final and nothing is waited."""
    seen, handler = scripted(too_many("1"))
    async with make_client(handler, rate_limit_budget_s=0.0) as client:
        with pytest.raises(RateLimitedError):
            await client.list_products()
    assert len(seen) == 1
    assert sleep.waits == []


async def test_a_429_pauses_every_request_of_the_client_until_its_deadline() -> None:
    """While one request waits out a 429, the others wait for the same deadline before sending.

    The waits are real (short) here: a request started during the pause is not sent before
    the deadline, and the first request's retry is not rate-limited again.
    """
    sent: list[tuple[str, float]] = []
    first = True

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal first
        sent.append((path_of(request), anyio.current_time()))
        if first:
            first = False
            return too_many("0.3")
        return httpx.Response(200, json={"product": product(int(path_of(request)[9:]))})

    settings = Settings(api_url=BASE, api_token=TOKEN)
    client = TestIOClient(settings, transport=httpx.MockTransport(handler), backoff_base=0.0)
    async with client, anyio.create_task_group() as group:
        group.start_soon(client.get_product, 1)
        await anyio.sleep(0.1)  # the 429 has arrived: the pause runs until about 0.3 s
        group.start_soon(client.get_product, 2)

    (_, rejected), *retries = sent
    assert sorted(path for path, _ in retries) == ["products/1", "products/2"]
    assert all(at - rejected >= 0.29 for _, at in retries)
    assert all(at - rejected <= 0.3 + 0.075 + 0.2 for _, at in retries)  # jitter ≤ pause/4


async def test_jitter_spreads_the_requests_that_waited_for_one_pause(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """Requests released by the same 429 deadline come back at different moments."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return too_many("20")
        return httpx.Response(200, json={"product": product(1)})

    async with make_client(handler) as client:
        await client.get_product(1)
        for _ in range(5):  # each starts inside the (fake-time) pause
            await client.get_product(1)
    first, *others = sleep.waits
    assert 20.0 <= first <= 20.5
    assert len(others) == 5
    assert all(19.0 <= w <= 20.5 for w in others)
    assert len(set(sleep.waits)) == len(sleep.waits)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_then_success_is_retried(make_client: ClientFactory, status: int) -> None:
    """One server error followed by a good answer costs one retry and no error."""
    seen, handler = scripted(httpx.Response(status), ok())
    async with make_client(handler) as client:
        products, problems = await client.list_products()
    assert (products, problems) == ([], [])
    assert len(seen) == 2


async def test_persistent_5xx_becomes_server_error_after_max_retries(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """A 503 on every attempt raises ServerError after `max_retries` attempts, naming the path."""
    seen, handler = scripted(*[httpx.Response(503) for _ in range(3)])
    async with make_client(handler, max_retries=3) as client:
        with pytest.raises(ServerError, match="GET products") as caught:
            await client.list_products()
    assert len(seen) == 3
    assert len(sleep.waits) == 2
    assert caught.value.status == 503


async def test_backoff_doubles_between_retries(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """With a base of 1 s the waits are jittered within [0.5, 1], [1, 2] and [2, 4]."""
    _, handler = scripted(*[httpx.Response(502) for _ in range(4)])
    async with make_client(handler, backoff_base=1.0) as client:
        with pytest.raises(ServerError):
            await client.list_products()
    first, second, third = sleep.waits
    assert 0.5 <= first <= 1.0
    assert 1.0 <= second <= 2.0
    assert 2.0 <= third <= 4.0


async def test_a_524_is_not_retried(make_client: ClientFactory) -> None:
    """A gateway timeout is final for a plain call: GatewayTimeoutError after one request."""
    seen, handler = scripted(httpx.Response(524, text="<html>timeout</html>"))
    async with make_client(handler) as client:
        with pytest.raises(GatewayTimeoutError):
            await client.get_product(5)
    assert len(seen) == 1


@pytest.mark.parametrize(
    "error",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("timed out"),
        httpx.PoolTimeout("no connection free"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_a_dropped_connection_then_success_is_retried(
    make_client: ClientFactory, error: Exception
) -> None:
    """A connection dropped, refused or timed out once is retried and the call succeeds."""
    seen, handler = scripted(error, ok())
    async with make_client(handler) as client:
        products, _ = await client.list_products()
    assert products == []
    assert len(seen) == 2


async def test_persistent_connection_failure_becomes_api_unreachable(
    make_client: ClientFactory,
) -> None:
    """A connection that fails on every attempt raises ApiUnreachableError, not an httpx error."""
    seen, handler = scripted(*[httpx.ConnectError("refused") for _ in range(4)])
    async with make_client(handler) as client:
        with pytest.raises(ApiUnreachableError, match="GET products") as caught:
            await client.list_products()
    assert len(seen) == 4
    assert caught.value.__cause__ is None


async def test_malformed_json_then_success_is_retried(make_client: ClientFactory) -> None:
    """A 200 with a broken body is retried, and the good answer is used."""
    seen, handler = scripted(httpx.Response(200, content=b'{"products": [tru'), ok())
    async with make_client(handler) as client:
        products, _ = await client.list_products()
    assert products == []
    assert len(seen) == 2


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"products": "x"}', b"[1, 2]", b'{"product": []}', b"[" * 100_000],
    ids=["text", "wrong-type", "bare-array", "wrong-key", "too-deep"],
)
async def test_a_body_that_is_never_the_envelope_becomes_malformed_response(
    make_client: ClientFactory, body: bytes
) -> None:
    """A 200 whose body never parses to `{"products": [...]}` raises MalformedResponseError after retries."""
    seen, handler = scripted(*[httpx.Response(200, content=body) for _ in range(2)])
    async with make_client(handler, max_retries=2) as client:
        with pytest.raises(MalformedResponseError, match="GET products"):
            await client.list_products()
    assert len(seen) == 2


async def test_a_body_over_the_size_limit_is_refused_without_retry(
    make_client: ClientFactory,
) -> None:
    """A body larger than `max_body_bytes` raises MalformedResponseError after one request."""
    big = b'{"products": [' + b"1," * 600 + b"1]}"
    seen, handler = scripted(httpx.Response(200, content=big))
    async with make_client(handler, max_body_bytes=1000) as client:
        with pytest.raises(MalformedResponseError, match="1000 bytes"):
            await client.list_products()
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (422, ApiValidationError),
        (400, ApiValidationError),
    ],
)
async def test_client_errors_are_typed_and_not_retried(
    make_client: ClientFactory, status: int, error: type[ApiError]
) -> None:
    """401/403/404/400/422 raise their own ApiError subclass after exactly one request."""
    seen, handler = scripted(httpx.Response(status, json={"error": "nope"}))
    async with make_client(handler) as client:
        with pytest.raises(error, match="products/5") as caught:
            await client.get_product(5)
    assert len(seen) == 1
    assert caught.value.status == status
    assert caught.value.path == "products/5"


async def test_an_unexpected_status_is_a_plain_api_error(make_client: ClientFactory) -> None:
    """A status with no meaning to the client (here 418) raises ApiError once."""
    seen, handler = scripted(httpx.Response(418))
    async with make_client(handler) as client:
        with pytest.raises(ApiError, match="HTTP 418"):
            await client.get_product(5)
    assert len(seen) == 1


async def test_requests_in_flight_never_exceed_the_cap(make_client: ClientFactory) -> None:
    """Thirty concurrent calls with `max_in_flight=3` never have more than three on the wire."""
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await anyio.sleep(0.002)
        in_flight -= 1
        return httpx.Response(200, json={"products": []})

    async with make_client(handler, max_in_flight=3) as client, anyio.create_task_group() as tg:
        for _ in range(30):
            tg.start_soon(client.list_products)
    assert peak == 3
    assert client.requests_made == 30


async def test_a_request_waiting_to_retry_does_not_hold_a_slot(make_client: ClientFactory) -> None:
    """With one slot, a request sleeping before its retry lets another request through."""
    other_done = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if path_of(request) == "products/1" and not other_done.is_set():
            return httpx.Response(503)
        if path_of(request) == "products/2":
            other_done.set()
        return httpx.Response(200, json={"product": {"id": int(path_of(request)[-1])}})

    async def sleep_until_other_done(delay: float) -> None:
        await other_done.wait()

    async with make_client(handler, max_in_flight=1, sleep=sleep_until_other_done) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(client.get_product, 1)
                await anyio.sleep(0.01)  # let the first request fail and start its wait
                tg.start_soon(client.get_product, 2)
    assert other_done.is_set()
    assert client.requests_made == 3
