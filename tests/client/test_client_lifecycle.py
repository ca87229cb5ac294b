"""The client's lifecycle and what every request carries."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import BASE, TOKEN, ClientFactory, path_of

from testio import __version__
from testio.client import TestIOClient
from testio.config import Settings
from testio.errors import ConfigError, ServiceStateError


def products_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"products": []})


async def test_requests_carry_the_token_scheme_user_agent_and_base_path(
    make_client: ClientFactory,
) -> None:
    """Every request goes below the base URL with `Authorization: Token …` and our User-Agent."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"products": []})

    async with make_client(handler) as client:
        await client.list_products()

    (request,) = seen
    assert str(request.url) == f"{BASE}/products"
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert request.headers["User-Agent"] == f"testio/{__version__}"


async def test_entering_an_open_client_again_is_refused(make_client: ClientFactory) -> None:
    """A second `async with` on an open client raises ServiceStateError."""
    async with make_client(products_ok) as client:
        with pytest.raises(ServiceStateError, match="already open"):
            await client.__aenter__()


async def test_a_closed_client_cannot_be_reopened(make_client: ClientFactory) -> None:
    """After its block ends, entering the client again raises ServiceStateError."""
    client = make_client(products_ok)
    async with client:
        pass
    with pytest.raises(ServiceStateError, match="closed"):
        async with client:
            pass


async def test_calls_outside_the_block_are_refused(make_client: ClientFactory) -> None:
    """A method called before `async with` raises ServiceStateError and sends nothing."""
    client = make_client(products_ok)
    with pytest.raises(ServiceStateError, match="not open"):
        await client.list_products()
    assert client.requests_made == 0


async def test_calls_after_close_are_refused(make_client: ClientFactory) -> None:
    """A method called after the block raises ServiceStateError."""
    async with make_client(products_ok) as client:
        await client.list_products()
    with pytest.raises(ServiceStateError):
        await client.list_products()
    assert client.requests_made == 1


async def test_closing_twice_is_harmless(make_client: ClientFactory) -> None:
    """`aclose()` after the block has closed the client does nothing and raises nothing."""
    async with make_client(products_ok) as client:
        pass
    await client.aclose()
    await client.aclose()
    assert "closed" in repr(client)


async def test_closing_a_never_opened_client_keeps_it_closed(make_client: ClientFactory) -> None:
    """A client closed before use cannot be opened later."""
    client = make_client(products_ok)
    await client.aclose()
    with pytest.raises(ServiceStateError):
        await client.__aenter__()


async def test_requests_made_counts_every_request(make_client: ClientFactory) -> None:
    """`requests_made` grows by one per HTTP request."""
    async with make_client(products_ok) as client:
        await client.list_products()
        await client.ping()
        assert client.requests_made == 2


async def test_ping_measures_one_products_request(make_client: ClientFactory) -> None:
    """`ping()` sends `GET products` once and returns the seconds it took."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(path_of(request))
        return httpx.Response(200, json={"products": []})

    async with make_client(handler) as client:
        seconds = await client.ping()
    assert paths == ["products"]
    assert 0 <= seconds < 5


def test_a_missing_token_is_a_config_error() -> None:
    """Without a token the client refuses to be built, saying how to set one."""
    with pytest.raises(ConfigError, match="TESTIO_API_TOKEN"):
        TestIOClient(Settings(api_url=BASE))


def test_a_token_that_cannot_be_a_header_is_refused_without_echoing_it() -> None:
    """A token with a line break is a ConfigError whose message does not contain the token."""
    token = "abc\ndef-very-secret"
    with pytest.raises(ConfigError) as caught:
        TestIOClient(Settings(api_url=BASE, api_token=token))
    assert "very-secret" not in str(caught.value)
