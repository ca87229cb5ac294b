"""Fault switches: each is off by default and does what it says when turned on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import attrs
import httpx
import pytest

from testio.sandbox import ConnectionDropped, Faults, RunningSandbox, Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


def _faulty(**switches: Any) -> Sandbox:
    """Return a small sandbox with some fault switches on."""
    return Sandbox(SandboxConfig(now=ANCHOR, faults=Faults(**switches)))


async def test_faults_are_off_by_default(api: httpx.AsyncClient) -> None:
    statuses = {(await api.get("products")).status_code for _ in range(30)}

    assert statuses == {200}


async def test_latency_delays_every_response(connect: Connect) -> None:
    async with connect(_faulty(latency_ms=(120, 120))) as client:
        started = time.perf_counter()
        await client.get("products")
        elapsed = time.perf_counter() - started

    assert elapsed >= 0.11


async def test_rate_limit_answers_429_with_retry_after_in_seconds(connect: Connect) -> None:
    async with connect(_faulty(rate_limit_per_s=2)) as client:
        responses = [await client.get("products") for _ in range(5)]

    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert int(limited[0].headers["retry-after"]) >= 1
    assert limited[0].json() == {"error": "Too many requests"}


async def test_rate_limit_can_answer_retry_after_as_an_http_date(connect: Connect) -> None:
    async with connect(_faulty(rate_limit_per_s=1, retry_after_form="http-date")) as client:
        responses = [await client.get("products") for _ in range(3)]

    limited = next(r for r in responses if r.status_code == 429)
    assert parsedate_to_datetime(limited.headers["retry-after"]).tzinfo is not None


async def test_error_rate_answers_502_and_503(connect: Connect) -> None:
    async with connect(_faulty(error_rate=1.0)) as client:
        statuses = {(await client.get("products")).status_code for _ in range(20)}

    assert statuses == {502, 503}


async def test_malformed_rate_answers_200_with_invalid_json(connect: Connect) -> None:
    async with connect(_faulty(malformed_rate=1.0)) as client:
        response = await client.get("products")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_dropped_connection_raises_an_httpx_transport_error_in_process(
    connect: Connect,
) -> None:
    async with connect(_faulty(drop_rate=1.0)) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await client.get("products")

    assert isinstance(caught.value, ConnectionDropped)


async def test_dropped_connection_closes_the_socket_without_a_response() -> None:
    async with RunningSandbox(SandboxConfig(now=ANCHOR, faults=Faults(drop_rate=1.0))) as server:
        headers = {"Authorization": f"Token {server.tokens[0]}"}
        async with httpx.AsyncClient(base_url=server.base_url + "/", headers=headers) as client:
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await client.get("products")


async def test_server_keeps_serving_after_a_dropped_connection() -> None:
    async with RunningSandbox(SandboxConfig(now=ANCHOR, faults=Faults(drop_rate=1.0))) as server:
        headers = {"Authorization": f"Token {server.tokens[0]}"}
        async with httpx.AsyncClient(base_url=server.base_url + "/", headers=headers) as client:
            with pytest.raises(httpx.TransportError):
                await client.get("products")
            server.sandbox.set_faults(Faults())
            response = await client.get("products")

    assert response.status_code == 200


async def test_persistent_bug_batch_failure_answers_500_for_listed_tests(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    bad, good = [t["id"] for t in products[1]["tests"][:2]]
    async with connect(_faulty(fail_bug_batches_for=frozenset({bad}))) as client:
        failing = await client.get("bugs", params={"filter_test_cycle_ids": f"{good},{bad}"})
        single = await client.get("bugs", params={"filter_test_cycle_ids": str(bad)})
        other = await client.get("bugs", params={"filter_test_cycle_ids": str(good)})

    assert (failing.status_code, single.status_code, other.status_code) == (500, 500, 200)


async def test_faults_switch_at_runtime_through_the_admin_endpoint(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, base="/_admin") as admin, connect(sandbox) as client:
        before = (await client.get("products")).status_code
        put = await admin.put("faults", json={"error_rate": 1.0})
        during = (await client.get("products")).status_code
        await admin.put("faults", json={"error_rate": 0})
        after = (await client.get("products")).status_code

    assert put.json()["error_rate"] == 1.0
    assert (before, during, after) == (200, during, 200)
    assert during in (502, 503)


async def test_faults_leave_the_admin_endpoints_alone(connect: Connect) -> None:
    sandbox = _faulty(error_rate=1.0)

    async with connect(sandbox, base="/_admin") as admin:
        response = await admin.get("counters")

    assert response.status_code == 200


async def test_unknown_fault_switch_is_refused_with_400(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        response = await admin.put("faults", json={"explode": True})

    assert response.status_code == 400
    assert sandbox.faults == Faults()


async def test_admin_faults_accept_a_latency_range_and_show_every_switch(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        await admin.put("faults", json={"latency_ms": [1, 3], "fail_bug_batches_for": [5]})
        shown = (await admin.get("faults")).json()

    assert sandbox.faults == attrs.evolve(
        Faults(), latency_ms=(1.0, 3.0), fail_bug_batches_for=frozenset({5})
    )
    assert set(shown) == {f.name for f in attrs.fields(Faults)}
