"""API errors in the middle of a confirmed batch: exact per-bug outcomes, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest

from testio.sandbox import Faults
from tests.mcp_calls import call
from tests.triage.conftest import Connect, Open, truth_bug
from tests.world import World

ARGS: dict[str, dict[str, Any]] = {
    "accept": {"action": "accept"},
    "reject": {"action": "reject", "reason": "irrelevant"},
}
STATUS_AFTER = {"accept": "accepted", "reject": "rejected"}

# (fault on the middle bug, action, outcomes of the three bugs, the middle bug's HTTP status,
#  whether the middle bug carries the change upstream afterwards, PUTs sent in all)
CASES = [
    ("403", "accept", ["changed", "unchanged", "changed"], 403, False, 3),
    ("422", "reject", ["changed", "unchanged", "changed"], 422, False, 3),
    ("503", "accept", ["changed", "unchanged", "unchanged"], 503, False, 1 + 4),
    ("500", "reject", ["changed", "unchanged", "unchanged"], 500, False, 1 + 4),
    ("timeout", "accept", ["changed", "unchanged", "unchanged"], None, False, 1 + 4),
    ("timeout", "reject", ["changed", "unchanged", "unchanged"], None, False, 1 + 4),
    ("lost", "accept", ["changed", "changed", "changed"], None, True, 1 + 4 + 1),
    ("lost", "reject", ["changed", "changed", "changed"], None, True, 1 + 1 + 1),
    ("lost_then_down", "reject", ["changed", "unknown", "unchanged"], None, True, 1 + 1),
]


async def _confirmed(
    legacy: Connect, world: World, bugs: list[int], action: str, fault: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    args = {"bug_ids": bugs, **ARGS[action]}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        world.sandbox.set_faults(Faults(write_faults={bugs[1]: fault}))
        world.sandbox.reset_counters()
        written = await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
        world.sandbox.set_faults(Faults())
        log = await call(mcp, "get_triage_log", {})
    return written, log


@pytest.mark.parametrize(("fault", "action", "outcomes", "status", "applied", "puts"), CASES)
async def test_a_fault_on_one_bug_mid_batch_gives_exact_outcomes_and_keeps_what_changed(
    legacy: Connect,
    synced: World,
    open_bugs: Open,
    fault: str,
    action: str,
    outcomes: list[str],
    status: int | None,
    applied: bool,
    puts: int,
) -> None:
    """Each bug says changed, unchanged or unknown, matching what TestIO really holds."""
    bugs = list(open_bugs.bug_ids[:3])

    written, log = await _confirmed(legacy, synced, bugs, action, fault)

    assert [b["outcome"] for b in written["bugs"]] == outcomes
    middle = written["bugs"][1]
    assert middle["http_status"] == status
    assert middle["detail"]
    upstream = [truth_bug(synced, b)["status"] == STATUS_AFTER[action] for b in bugs]
    assert upstream[1] is applied
    for bug, outcome, is_applied in zip(written["bugs"], outcomes, upstream, strict=True):
        if outcome == "changed":
            assert is_applied
            assert bug["after"]["status"] == STATUS_AFTER[action]
        if outcome == "unchanged":
            assert not is_applied
    assert synced.sandbox.counters()[f"PUT /bugs/{{bid}}/{action}"] == puts
    sent = [b for b in written["bugs"] if not (b["detail"] or "").startswith("Not sent")]
    assert sorted(e["bug_id"] for e in log["entries"]) == sorted(b["bug_id"] for b in sent)
    assert {e["bug_id"]: e["outcome"] for e in log["entries"]} == {
        b["bug_id"]: b["outcome"] for b in sent
    }
    assert written["changed"] == outcomes.count("changed")
    assert written["unknown"] == outcomes.count("unknown")


async def test_what_changed_before_a_failure_is_in_the_report_at_once(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """A batch stopped by a 503 still leaves the cache agreeing with TestIO."""
    bugs = list(open_bugs.bug_ids[:3])
    async with legacy() as mcp:
        before = await call(mcp, "get_test_status", {"test_id": open_bugs.test_id})
    await _confirmed(legacy, synced, bugs, "accept", "503")
    async with legacy() as mcp:
        after = await call(mcp, "get_test_status", {"test_id": open_bugs.test_id})
    assert after["quality"]["bugs"]["active_accepted"] == (
        before["quality"]["bugs"]["active_accepted"] + 1
    )
    assert after["quality"]["bugs"]["open"] == before["quality"]["bugs"]["open"] - 1


async def test_an_unknown_outcome_says_to_check_the_bug_before_writing_again(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """When the answer is lost and the bug cannot be read, nothing is guessed."""
    bugs = list(open_bugs.bug_ids[:3])
    written, _ = await _confirmed(legacy, synced, bugs, "reject", "lost_then_down")
    middle = written["bugs"][1]
    assert middle["after"] is None
    assert "could not be read" in middle["detail"]
    assert written["bugs"][2]["detail"].startswith(
        f"Not sent: the batch stopped after bug {bugs[1]}"
    )
    assert written["message"].startswith("Only 1 of 3 bug(s) changed, 1 unknown")
