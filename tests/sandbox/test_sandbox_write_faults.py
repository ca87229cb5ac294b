"""Write faults: one bug's triage writes fail in a chosen way while every other request passes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testio.sandbox import Faults, RequestTimedOut, Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


def _forwarded(products: list[dict[str, Any]], n: int) -> list[int]:
    """Return the first n forwarded bugs of the ground truth."""
    ids = [
        b["id"]
        for p in products
        for t in p["tests"]
        for b in t["bugs"]
        if b["status"] == "forwarded"
    ]
    return ids[:n]


async def _status(api: httpx.AsyncClient, bug_id: int) -> str:
    return (await api.get(f"bugs/{bug_id}")).json()["bug"]["status"]


@pytest.mark.parametrize("fault", ["403", "404", "422", "500", "503"])
async def test_a_status_fault_answers_it_and_leaves_the_bug_unchanged(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]], fault: str
) -> None:
    bad, good = _forwarded(products, 2)
    sandbox.set_faults(Faults(write_faults={bad: fault}))
    async with connect(sandbox) as api:
        failing = await api.put(f"bugs/{bad}/accept")
        other = await api.put(f"bugs/{good}/accept")
        read = await api.get(f"bugs/{bad}")
        still = await _status(api, bad)

    assert (failing.status_code, other.status_code, read.status_code) == (int(fault), 200, 200)
    assert still == "forwarded"


async def test_a_timeout_never_answers_and_applies_nothing(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]]
) -> None:
    [bad] = _forwarded(products, 1)
    sandbox.set_faults(Faults(write_faults={bad: "timeout"}))
    async with connect(sandbox) as api:
        with pytest.raises(RequestTimedOut):
            await api.put(f"bugs/{bad}/accept")
        assert await _status(api, bad) == "forwarded"


async def test_a_lost_answer_applies_the_write_and_then_times_out(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]]
) -> None:
    [bad] = _forwarded(products, 1)
    sandbox.set_faults(Faults(write_faults={bad: "lost"}))
    async with connect(sandbox) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.put(f"bugs/{bad}/reject", json={"reason": "irrelevant", "comment": ""})
        assert await _status(api, bad) == "rejected"


async def test_lost_then_down_makes_every_later_request_about_the_bug_answer_503(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]]
) -> None:
    bad, good = _forwarded(products, 2)
    sandbox.set_faults(Faults(write_faults={bad: "lost_then_down"}))
    async with connect(sandbox) as api:
        before = await api.get(f"bugs/{bad}")
        with pytest.raises(httpx.ReadTimeout):
            await api.put(f"bugs/{bad}/accept")
        after = await api.get(f"bugs/{bad}")
        other = await api.get(f"bugs/{good}")
        sandbox.set_faults(Faults())
        healed = await _status(api, bad)

    assert (before.status_code, after.status_code, other.status_code) == (200, 503, 200)
    assert healed == "accepted"


async def test_write_faults_switch_at_runtime_through_the_admin_endpoint(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        put = await admin.put("faults", json={"write_faults": {"2000555": "422"}})
        bad = await admin.put("faults", json={"write_faults": {"2000555": "418"}})

    assert put.json()["write_faults"] == {"2000555": "422"}
    assert sandbox.faults.write_fault(2000555) == "422"
    assert bad.status_code == 400
    assert "Unknown write fault '418'" in bad.json()["error"]


def test_write_faults_refuse_ids_that_are_not_integers() -> None:
    with pytest.raises(ValueError, match="integer bug ids"):
        Sandbox(SandboxConfig(now=ANCHOR, faults=Faults(write_faults={"x": "403"})))
