"""Fakes for the client tests: API payload builders, a recording sleep, and a client factory."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import anyio
import httpx

from testio.client import TestIOClient
from testio.config import Settings

TOKEN = "tok-SECRET-5f3c9a1e77"
BASE = "https://api.example.test/customer/v2"

Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


def product(pid: int, sections: tuple[int, ...] = (), default: int = 900) -> dict[str, Any]:
    """A product payload; with `sections` it is a sectioned product."""
    named = [{"id": s, "name": f"Section {s}"} for s in sections]
    return {
        "id": pid,
        "name": f"Product {pid}",
        "type": "website",
        "description": None,
        "default_section_id": default,
        "sections": named,
        "sections_with_default": named or [{"id": default, "name": "default-section"}],
    }


def exploratory_test(tid: int, pid: int = 1) -> dict[str, Any]:
    """An exploratory-test payload."""
    return {"id": tid, "title": f"Test {tid}", "status": "archived", "product": {"id": pid}}


def bug(bid: int, tid: int) -> dict[str, Any]:
    """A bug payload owned by test `tid`."""
    return {
        "id": bid,
        "title": f"Bug {bid}",
        "status": "accepted",
        "severity": "low",
        "test": {"id": tid},
    }


def feature(fid: int) -> dict[str, Any]:
    """A catalogue-feature payload."""
    return {"id": fid, "title": f"Feature {fid}", "user_stories": []}


def path_of(request: httpx.Request) -> str:
    """The request path relative to the API base, e.g. `products/5`."""
    return request.url.path.removeprefix("/customer/v2/")


class RecordedSleep:
    """Stands in for `anyio.sleep`: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.waits.append(delay)
        await anyio.lowlevel.checkpoint()


ClientFactory = Callable[..., TestIOClient]

SETTINGS_KEYS = frozenset({"max_in_flight", "max_retries", "page_size", "timeout_s"})


def build_client(handler: Handler, sleep: RecordedSleep, **options: Any) -> TestIOClient:
    """A client over a `MockTransport` handler, with no backoff; options go to Settings or the client."""
    settings = Settings(
        api_url=BASE,
        api_token=TOKEN,
        **{k: v for k, v in options.items() if k in SETTINGS_KEYS},
    )
    client_options: dict[str, Any] = {"backoff_base": 0.0, "sleep": sleep}
    client_options.update({k: v for k, v in options.items() if k not in SETTINGS_KEYS})
    return TestIOClient(settings, transport=httpx.MockTransport(handler), **client_options)
