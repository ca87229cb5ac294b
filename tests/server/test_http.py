"""`testio serve --http`: bearer tokens for clients, CORS closed by default, the real command."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import attrs
import httpx
import pytest
from mcp import Client

from testio.errors import ConfigError
from testio.server.http import http_app
from tests.server.http_server import CLIENT_TOKEN, RunningHttp, http_transport
from tests.world import World

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def serving(world: World, **settings: Any) -> AsyncGenerator[RunningHttp]:
    app = http_app(attrs.evolve(world.settings, http_tokens=CLIENT_TOKEN, **settings))
    async with RunningHttp(app) as running:
        yield running


async def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(url, json=INITIALIZE, headers={**ACCEPT, **headers})


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token-0123456789", f"Basic {CLIENT_TOKEN}", "Bearer"],
    ids=["missing", "wrong", "not-bearer", "empty"],
)
async def test_a_request_without_a_valid_client_token_gets_401_with_a_bearer_challenge(
    world: World, authorization: str | None
) -> None:
    """Missing, wrong or non-bearer credentials: 401, WWW-Authenticate: Bearer, no token echoed."""
    async with serving(world) as running:
        response = await _post(
            running.url, {"Authorization": authorization} if authorization else {}
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert CLIENT_TOKEN not in response.text
    assert "access-control-allow-origin" not in response.headers


async def test_the_testio_api_token_is_never_accepted_as_a_client_token(world: World) -> None:
    """Presenting the TestIO API token gets 401, and the answer does not contain it."""
    api_token = world.settings.api_token
    assert api_token
    async with serving(world) as running:
        response = await _post(running.url, {"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 401
    assert api_token not in response.text
    assert api_token not in str(response.headers)


async def test_a_valid_client_token_opens_a_session(world: World) -> None:
    """The same initialize request with a configured token is answered with a session id."""
    async with serving(world) as running:
        response = await _post(running.url, {"Authorization": f"Bearer {CLIENT_TOKEN}"})
    assert response.status_code == 200
    assert response.headers["mcp-session-id"]


def test_the_server_refuses_to_start_without_client_tokens(world: World) -> None:
    """No TESTIO_HTTP_TOKENS: a ConfigError that says how to set them."""
    with pytest.raises(ConfigError, match="TESTIO_HTTP_TOKENS"):
        http_app(world.settings)


def test_the_server_refuses_the_api_token_as_a_client_token_without_echoing_it(
    world: World,
) -> None:
    """The API token among the client tokens is a ConfigError that does not repeat it."""
    api_token = world.settings.api_token
    assert api_token
    settings = attrs.evolve(world.settings, http_tokens=f"{CLIENT_TOKEN},{api_token}")
    with pytest.raises(ConfigError, match="API token") as raised:
        http_app(settings)
    assert api_token not in str(raised.value)


async def test_cross_origin_requests_and_preflights_are_refused_by_default(world: World) -> None:
    """A browser origin gets 403 and no Access-Control-Allow-Origin, even with a valid token."""
    origin = {"Origin": "https://evil.example"}
    async with serving(world) as running, httpx.AsyncClient(timeout=30) as http:
        preflight = await http.options(
            running.url,
            headers={**origin, "Access-Control-Request-Method": "POST"},
        )
        post = await _post(running.url, {**origin, "Authorization": f"Bearer {CLIENT_TOKEN}"})
    assert preflight.status_code == 403
    assert post.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post.headers


async def test_an_allowed_origin_passes_the_preflight_and_gets_cors_headers(world: World) -> None:
    """TESTIO_HTTP_ALLOWED_ORIGINS opens CORS to exactly the listed origins."""
    allowed = "https://console.example"
    async with (
        serving(world, http_allowed_origins=f"{allowed}/") as running,
        httpx.AsyncClient(timeout=30) as http,
    ):
        preflight = await http.options(
            running.url,
            headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
        )
        post = await _post(
            running.url, {"Origin": allowed, "Authorization": f"Bearer {CLIENT_TOKEN}"}
        )
        other = await _post(
            running.url,
            {"Origin": "https://other.example", "Authorization": f"Bearer {CLIENT_TOKEN}"},
        )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == allowed
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    assert post.status_code == 200
    assert post.headers["access-control-allow-origin"] == allowed
    assert other.status_code == 403


async def _read_all(stream: anyio.abc.ByteReceiveStream | None) -> bytes:
    chunks: list[bytes] = []
    if stream is not None:
        with contextlib.suppress(anyio.EndOfStream, anyio.ClosedResourceError):
            while True:
                chunks.append(await stream.receive())
    return b"".join(chunks)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(world: World, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(world.settings.reports_dir.parent),
        "TESTIO_DATABASE_URL": world.settings.database_url,
        "TESTIO_API_URL": "http://127.0.0.1:9/customer/v2",  # nothing listens: cache only
        "TESTIO_API_TOKEN": "http-test-api-token",
        "TESTIO_REFRESH_INTERVAL": "0",
        **extra,
    }


def test_serve_http_without_client_tokens_exits_with_one_sentence(world: World) -> None:
    """`testio serve --http` with no TESTIO_HTTP_TOKENS exits 1 naming the setting."""
    done = subprocess.run(
        [sys.executable, "-m", "testio", "serve", "--http"],
        env=_env(world),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "TESTIO_HTTP_TOKENS" in done.stderr
    assert done.stdout == ""


async def test_serve_http_answers_tools_for_a_client_with_a_token(synced: World) -> None:
    """The real command on a loopback port serves the tools to an SDK client; SIGTERM stops it."""
    port = _free_port()
    env = _env(synced, TESTIO_HTTP_TOKENS=CLIENT_TOKEN)
    command = [sys.executable, "-m", "testio", "serve", "--http", "--port", str(port)]
    process = await anyio.open_process(command, env=env)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        with anyio.fail_after(60):
            while True:
                try:
                    async with httpx.AsyncClient() as http:
                        await http.get(url)
                    break
                except httpx.ConnectError:
                    await anyio.sleep(0.1)
            async with Client(http_transport(url), mode="legacy") as mcp:
                products = await mcp.call_tool("list_products", {})
            process.terminate()
            code = await process.wait()
            out = await _read_all(process.stdout)
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.CancelScope(shield=True):
            await process.aclose()
    assert products.structured_content is not None
    assert len(products.structured_content["products"]) == len(synced.products())
    assert code == 0
    assert out == b""
