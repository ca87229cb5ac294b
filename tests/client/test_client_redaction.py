"""The API token never reaches exceptions, reprs or logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest
from client_fakes import TOKEN, ClientFactory, product

from testio.errors import (
    ApiUnreachableError,
    ApiValidationError,
    AuthenticationError,
    ForbiddenError,
    GatewayTimeoutError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TestioError,
)


def answering(response: Callable[[], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: response()


def echoing(status: int) -> Callable[[], httpx.Response]:
    """An error answer whose body repeats the token, as a careless server might."""
    return lambda: httpx.Response(status, json={"error": f"bad Authorization: Token {TOKEN}"})


def dropping(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"refused while sending Authorization: Token {TOKEN}", request=request)


CASES: list[tuple[type[TestioError], Callable[[httpx.Request], httpx.Response]]] = [
    (AuthenticationError, answering(echoing(401))),
    (ForbiddenError, answering(echoing(403))),
    (NotFoundError, answering(echoing(404))),
    (ApiValidationError, answering(echoing(422))),
    (RateLimitedError, answering(lambda: httpx.Response(429, headers={"Retry-After": "0"}))),
    (ServerError, answering(echoing(500))),
    (GatewayTimeoutError, answering(lambda: httpx.Response(524, text=f"<p>{TOKEN}</p>"))),
    (ApiUnreachableError, dropping),
    (MalformedResponseError, answering(lambda: httpx.Response(200, text=f"oops {TOKEN}"))),
]


def texts_of(exc: BaseException) -> list[str]:
    """Everything a person or a log could see of an exception and its chain."""
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        seen += [str(current), repr(current), *map(repr, current.args)]
        current = current.__cause__ or current.__context__
    return seen


@pytest.mark.parametrize(("error", "handler"), CASES, ids=[e.__name__ for e, _ in CASES])
async def test_no_error_shows_the_token(
    make_client: ClientFactory,
    caplog: pytest.LogCaptureFixture,
    error: type[TestioError],
    handler: Callable[[httpx.Request], httpx.Response],
) -> None:
    """Each error type, its chain, the client's repr and every DEBUG log line are free of the token."""
    caplog.set_level(logging.DEBUG)
    client = make_client(handler, max_retries=2, rate_limit_budget_s=1.0)
    async with client:
        with pytest.raises(error) as caught:
            await client.get_product(5)
        open_repr = repr(client)

    visible = [*texts_of(caught.value), open_repr, repr(client), caplog.text]
    visible += [record.getMessage() for record in caplog.records]
    assert caplog.records, "the failure should have been logged"
    assert all(TOKEN not in text for text in visible)


async def test_payload_problems_and_success_logs_do_not_show_the_token(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A normal call logs its request line at DEBUG without the token or the header."""
    caplog.set_level(logging.DEBUG)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"products": [product(1), {"name": TOKEN}]})

    async with make_client(handler) as client:
        _, problems = await client.list_products()

    assert any("GET products -> 200" in r.getMessage() for r in caplog.records)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in p.message for p in problems)
