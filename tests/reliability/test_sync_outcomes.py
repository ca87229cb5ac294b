"""`testio sync` exits 0 only when the cache is complete, and every tool tells the same story."""

from __future__ import annotations

from pathlib import Path

from mcp import Client

from testio.sandbox import Faults
from tests.reliability.faulty_world import PATIENT, cli_sync, missing_lines, spec_world, tool

TRANSIENT = Faults(
    latency_ms=(1.0, 5.0), error_rate=0.2, drop_rate=0.1, malformed_rate=0.1, fault_seed=7
)


async def test_a_sync_whose_faults_were_all_transient_exits_0_with_a_complete_summary(
    tmp_path: Path,
) -> None:
    world = spec_world(tmp_path, faults=TRANSIENT)

    code, output = await cli_sync(world, **PATIENT)

    assert code == 0, output
    assert "Sync complete in " in output
    assert missing_lines(output) == []


async def test_a_persistent_fault_exits_2_and_the_summary_names_what_is_missing(
    tmp_path: Path,
) -> None:
    world = spec_world(tmp_path, faults=Faults(fail_bug_batches_for=frozenset({1103})))

    code, output = await cli_sync(world)

    assert code == 2
    assert "Sync partial in " in output
    (missing,) = missing_lines(output)
    assert "the bugs of test 1103" in missing


async def test_the_sync_after_a_persistent_fault_clears_exits_0(tmp_path: Path) -> None:
    world = spec_world(tmp_path, faults=Faults(fail_bug_batches_for=frozenset({1103})))
    await cli_sync(world)
    world.sandbox.set_faults(Faults())

    code, output = await cli_sync(world)

    assert code == 0, output
    assert missing_lines(output) == []


async def test_a_later_incremental_sync_still_exits_2_while_an_earlier_gap_is_missing(
    tmp_path: Path,
) -> None:
    """The poisoned test sits on page 3; the incremental read stops after page 1."""
    world = spec_world(tmp_path, poisoned=True)
    first, before = await cli_sync(world, page_size=3)

    code, output = await cli_sync(world, page_size=3)

    assert (first, code) == (2, 2)
    assert missing_lines(output) == missing_lines(before)
    assert "offset 7 of product 10" in missing_lines(output)[0]


async def test_health_history_and_problems_tell_what_a_partial_sync_summary_told(
    tmp_path: Path,
) -> None:
    world = spec_world(
        tmp_path, poisoned=True, faults=Faults(fail_bug_batches_for=frozenset({1103}))
    )
    code, output = await cli_sync(world)
    missing = missing_lines(output)

    async with Client(world.server(), mode="legacy") as mcp:
        health = await tool(mcp, "health_check")
        history = await tool(mcp, "get_sync_history")
        problems = await tool(mcp, "get_problematic_tests")

    assert (code, len(missing)) == (2, 2)
    assert (health["status"], health["open_problems"]) == ("degraded", 2)
    assert health["last_sync"] == history["events"][0]
    assert (history["events"][0]["status"], history["events"][0]["problems"]) == ("partial", 2)
    assert history["summary"]["by_status"] == {"partial": 1}
    assert sorted(p["message"] for p in problems["problems"]) == sorted(missing)


async def test_health_history_and_problems_tell_what_a_complete_sync_summary_told(
    tmp_path: Path,
) -> None:
    world = spec_world(tmp_path, faults=Faults(fail_bug_batches_for=frozenset({1103})))
    await cli_sync(world)
    world.sandbox.set_faults(Faults())
    code, _ = await cli_sync(world)

    async with Client(world.server(), mode="legacy") as mcp:
        health = await tool(mcp, "health_check")
        history = await tool(mcp, "get_sync_history")
        problems = await tool(mcp, "get_problematic_tests")

    assert code == 0
    assert (health["status"], health["open_problems"]) == ("ok", 0)
    assert (history["events"][0]["status"], history["events"][0]["problems"]) == ("success", 0)
    assert history["summary"]["runs"] == 2
    assert history["summary"]["by_status"] == {"partial": 1, "success": 1}
    assert history["summary"]["success_rate"] == 0.5
    assert problems["total"] == 0
