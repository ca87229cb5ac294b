"""Fixtures for the sandbox tests: a small sandbox pinned to its data anchor, and clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from testio.sandbox import Sandbox, SandboxConfig, create_app
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
def sandbox() -> Sandbox:
    """A small sandbox whose clock is pinned to the data anchor."""
    return Sandbox(SandboxConfig(now=ANCHOR))


@pytest.fixture
def connect() -> Connect:
    """Return a factory of in-process API clients for a sandbox (account 0's token by default)."""

    def make(
        sandbox: Sandbox, token: str | None = None, *, base: str = "/customer/v2"
    ) -> httpx.AsyncClient:
        headers = {"Authorization": f"Token {token if token is not None else sandbox.tokens[0]}"}
        transport = httpx.ASGITransport(app=create_app(sandbox))
        return httpx.AsyncClient(
            transport=transport, base_url=f"http://sandbox.test{base}/", headers=headers
        )

    return make


@pytest.fixture
async def api(sandbox: Sandbox, connect: Connect) -> AsyncIterator[httpx.AsyncClient]:
    """An API client of the small sandbox, authenticated as account 0."""
    async with connect(sandbox) as client:
        yield client


@pytest.fixture
def truth(sandbox: Sandbox) -> dict[str, Any]:
    """The small sandbox's ground truth at its pinned "now"."""
    return sandbox.ground_truth()


@pytest.fixture
def products(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Account 0's products in the ground truth."""
    return list(truth["accounts"][0]["products"])
