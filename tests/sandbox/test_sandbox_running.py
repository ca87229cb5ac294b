"""Serving over real HTTP: RunningSandbox in both `with` forms, and the command line."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import httpx
import pytest

from testio.sandbox import RunningSandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR


def test_running_sandbox_serves_products_inside_a_with_block() -> None:
    with RunningSandbox(SandboxConfig(now=ANCHOR)) as server:
        response = httpx.get(
            f"{server.base_url}/products", headers={"Authorization": f"Token {server.tokens[0]}"}
        )

    assert response.status_code == 200
    assert server.base_url.endswith("/customer/v2")
    assert response.json()["products"]


async def test_running_sandbox_serves_admin_inside_an_async_with_block() -> None:
    async with RunningSandbox(SandboxConfig(now=ANCHOR)) as server, httpx.AsyncClient() as client:
        await client.get(
            f"{server.base_url}/products", headers={"Authorization": f"Token {server.tokens[0]}"}
        )
        counters = (await client.get(f"{server.admin_url}/counters")).json()

    assert counters == {"GET /products": 1}


def test_running_sandbox_refuses_urls_before_it_starts() -> None:
    server = RunningSandbox()

    with pytest.raises(RuntimeError, match="not started"):
        _ = server.base_url


def _free_port() -> int:
    """Ask the OS for a port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_command_line_prints_the_demo_tokens_and_serves_them() -> None:
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "testio.sandbox", "--port", str(port), "--seed", "1", "--now", "2026-11-20T09:00:00Z",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        lines: list[str] = []
        while not any(line.startswith("Try:") for line in lines):
            line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
            assert line, f"the sandbox exited early: {lines}"
            lines.append(line)
        token = next(line.split(": ")[1].strip() for line in lines if "Token for account 0" in line)
        async with httpx.AsyncClient() as client:
            response: httpx.Response | None = None
            for _ in range(200):
                try:
                    response = await client.get(
                        f"http://127.0.0.1:{port}/customer/v2/products",
                        headers={"Authorization": f"Token {token}"},
                    )
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(process.wait(), 15)

    assert response is not None
    assert response.status_code == 200
    assert token == "sbx_210145ccd8ee8992a43287972234a6c7"
    assert code == 0
