"""Triage through the MCP protocol: gated listing, preview, confirmation, and what it writes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from mcp import Client

from testio.domain.triage import REJECT_REASONS
from testio.sandbox.reasons import DEFAULT_COMMENTS
from tests.mcp_calls import call, call_error
from tests.triage.conftest import (
    USER,
    Clock,
    Connect,
    Open,
    truth_bug,
)
from tests.world import World


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_write_tools_are_not_listed_and_are_refused_when_writes_are_off(
    synced: World, open_bugs: Open, mode: str
) -> None:
    """Without TESTIO_ALLOW_WRITES the write tool is hidden, and a call to it writes nothing."""
    async with Client(synced.server(), mode=mode) as mcp:  # pyright: ignore[reportArgumentType]
        names = {t.name for t in (await mcp.list_tools()).tools}
        assert "triage_bugs" not in names
        assert "get_triage_log" in names
        text = await call_error(
            mcp, "triage_bugs", {"bug_ids": [open_bugs.bug_ids[0]], "action": "accept"}
        )
    assert "TESTIO_ALLOW_WRITES=1" in text
    assert truth_bug(synced, open_bugs.bug_ids[0])["status"] == "forwarded"


async def test_the_service_refuses_writes_when_they_are_off_even_if_called_directly(
    synced: World, open_bugs: Open
) -> None:
    """The setting is checked where the write happens too, not only in the listing."""
    from testio.errors import ConfigError

    async with synced.app() as app, app.triage() as svc:
        with pytest.raises(ConfigError, match="TESTIO_ALLOW_WRITES"):
            await svc.triage_bugs([open_bugs.bug_ids[0]], "accept")


async def test_triage_bugs_is_listed_with_destructive_not_idempotent_annotations(
    connect: Connect,
) -> None:
    """The annotations tell the host the tool writes, may destroy, and is not repeatable."""
    async with connect() as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        instructions = mcp.instructions
    assert instructions is not None
    assert "confirm with the token only after the user agrees" in instructions
    hints = tools["triage_bugs"].annotations
    assert hints is not None
    assert hints.read_only_hint is False
    assert hints.destructive_hint is True
    assert hints.idempotent_hint is False
    assert hints.open_world_hint is True
    log_hints = tools["get_triage_log"].annotations
    assert log_hints is not None
    assert log_hints.read_only_hint is True


async def test_a_preview_writes_nothing_and_its_token_then_accepts_exactly_those_bugs(
    connect: Connect, synced: World, open_bugs: Open
) -> None:
    """The first call only previews; the second, with the token, writes and reports each bug."""
    chosen = list(open_bugs.bug_ids[:3])
    async with connect() as mcp:
        preview = await call(mcp, "triage_bugs", {"bug_ids": chosen, "action": "accept"})
        assert [truth_bug(synced, b)["status"] for b in chosen] == ["forwarded"] * 3
        assert preview["stage"] == "preview"
        assert preview["to_write"] == 3
        assert [b["before"]["bucket"] for b in preview["bugs"]] == ["open"] * 3
        assert [b["after"]["bucket"] for b in preview["bugs"]] == ["active_accepted"] * 3
        assert {r["scope"] for r in preview["rates"]} == {"test", "product"}
        token = preview["confirmation_token"]
        assert token

        written = await call(
            mcp,
            "triage_bugs",
            {"bug_ids": chosen, "action": "accept", "confirmation_token": token},
        )
    assert written["stage"] == "written"
    assert [b["outcome"] for b in written["bugs"]] == ["changed"] * 3
    assert (written["changed"], written["unchanged"], written["unknown"]) == (3, 0, 0)
    assert written["confirmation_token"] is None
    assert [truth_bug(synced, b)["status"] for b in chosen] == ["accepted"] * 3
    untouched = open_bugs.bug_ids[3]
    assert truth_bug(synced, untouched)["status"] == "forwarded"


async def test_after_a_write_the_report_and_test_status_agree_with_the_preview_at_once(
    connect: Connect, open_bugs: Open
) -> None:
    """The cache takes the API's answer, so the EBR shows the previewed "after" right away."""
    chosen = list(open_bugs.bug_ids[:2])
    args = {"bug_ids": chosen, "action": "reject", "reason": "not_reproducible"}
    async with connect() as mcp:
        report_before = await call(mcp, "generate_ebr_report", {"product_id": open_bugs.product_id})
        preview = await call(mcp, "triage_bugs", args)
        product = next(r for r in preview["rates"] if r["scope"] == "product")
        test = next(r for r in preview["rates"] if r["scope"] == "test")
        assert product["before"] == report_before["summary"]
        await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
        report_after = await call(mcp, "generate_ebr_report", {"product_id": open_bugs.product_id})
        status = await call(mcp, "get_test_status", {"test_id": open_bugs.test_id})
    assert report_after["summary"] == product["after"]
    assert status["quality"] == test["after"]
    assert report_after["summary"]["bugs"]["rejected"] == (
        report_before["summary"]["bugs"]["rejected"] + 2
    )


@pytest.mark.parametrize("reason", REJECT_REASONS)
async def test_rejecting_with_each_reason_and_no_comment_writes_the_reasons_default_comment(
    legacy: Connect, synced: World, open_bugs: Open, reason: str
) -> None:
    """Each standard reason is accepted; the cache then knows the reason from the comment."""
    bug = open_bugs.bug_ids[0]
    args = {"bug_ids": [bug], "action": "reject", "reason": reason}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        written = await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
        status = await call(
            mcp, "get_test_status", {"test_id": open_bugs.test_id, "recent_bugs": 100}
        )
    assert written["bugs"][0]["after"]["bucket"] == "rejected"
    assert truth_bug(synced, bug)["reject_reason"] == reason
    cached = next(b for b in status["recent_bugs"] if b["id"] == bug)
    assert cached["reject_reason"] == reason
    triage = synced.sandbox.ledger.get(bug)
    assert triage is not None
    assert triage.comments[-1].body == DEFAULT_COMMENTS[reason]


async def test_rejecting_with_a_comment_sends_that_comment_to_testio(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """The comment the user wrote is the comment the tester reads."""
    bug = open_bugs.bug_ids[0]
    args = {
        "bug_ids": [bug],
        "action": "reject",
        "reason": "intended_behavior",
        "comment": "The banner is meant to stay.",
    }
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
    account = synced.sandbox.store.account(0)
    test, stored = synced.sandbox.store.bug_for(account, bug)
    triage = synced.sandbox.ledger.get(bug)
    assert triage is not None
    assert triage.comments[-1].body == "The banner is meant to stay."
    assert (test.id, stored.core.id) == (open_bugs.test_id, bug)


async def test_rejecting_without_a_reason_is_a_one_sentence_error_naming_the_reasons(
    legacy: Connect, open_bugs: Open
) -> None:
    """A reject needs one of the API's standard reasons."""
    async with legacy() as mcp:
        text = await call_error(
            mcp, "triage_bugs", {"bug_ids": [open_bugs.bug_ids[0]], "action": "reject"}
        )
    assert text.startswith("Rejecting needs a reason: one of device_not_relevant")


async def test_marking_known_keeps_the_bucket_and_counts_the_bug_as_known(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """mark_as_known sets the flag only; the bug stays open."""
    bug = open_bugs.bug_ids[0]
    args = {"bug_ids": [bug], "action": "mark_as_known"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        test = next(r for r in preview["rates"] if r["scope"] == "test")
        assert test["after"]["bugs"]["known"] == test["before"]["bugs"]["known"] + 1
        written = await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
    assert written["bugs"][0]["after"] == {
        "status": "forwarded",
        "auto_accepted": False,
        "known": True,
        "bucket": "open",
    }
    assert truth_bug(synced, bug)["known"] is True


async def test_a_bug_already_in_the_wanted_state_is_previewed_as_no_change_and_not_written(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """Only bugs the change affects are written; the others say why not."""
    done, todo = open_bugs.bug_ids[0], open_bugs.bug_ids[1]
    synced.sandbox.triage(synced.sandbox.store.account(0), done, "accept")
    args = {"bug_ids": [done, todo], "action": "accept"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        assert [b["effect"] for b in preview["bugs"]] == ["no_change", "change"]
        written = await call(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
        log = await call(mcp, "get_triage_log", {})
    assert [b["outcome"] for b in written["bugs"]] == ["unchanged", "changed"]
    assert [e["bug_id"] for e in log["entries"]] == [todo]


async def test_an_expired_token_is_refused_and_nothing_is_written(
    legacy: Connect, synced: World, open_bugs: Open, clock: Clock
) -> None:
    """A token lasts five minutes."""
    args = {"bug_ids": [open_bugs.bug_ids[0]], "action": "accept"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        clock.now += timedelta(minutes=5, seconds=1)
        text = await call_error(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
    assert text.startswith("This confirmation token expired at ")
    assert truth_bug(synced, open_bugs.bug_ids[0])["status"] == "forwarded"


async def test_a_token_for_another_change_is_refused(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """A token confirms its own action, reason, comment and bugs, nothing else."""
    a, b = open_bugs.bug_ids[0], open_bugs.bug_ids[1]
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", {"bug_ids": [a], "action": "accept"})
        token = preview["confirmation_token"]
        others = [
            {"bug_ids": [a, b], "action": "accept"},
            {"bug_ids": [b], "action": "accept"},
            {"bug_ids": [a], "action": "mark_as_known"},
            {"bug_ids": [a], "action": "reject", "reason": "irrelevant"},
        ]
        texts = [
            await call_error(mcp, "triage_bugs", {**other, "confirmation_token": token})
            for other in others
        ]
    assert all(
        t.startswith("This confirmation token was issued for a different change") for t in texts
    )
    assert truth_bug(synced, a)["status"] == "forwarded"
    assert truth_bug(synced, b)["status"] == "forwarded"


async def test_a_token_works_once(legacy: Connect, open_bugs: Open) -> None:
    """The second use of a token is refused, even for the same change."""
    args = {"bug_ids": [open_bugs.bug_ids[0]], "action": "mark_as_known"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        confirmed = {**args, "confirmation_token": preview["confirmation_token"]}
        await call(mcp, "triage_bugs", confirmed)
        text = await call_error(mcp, "triage_bugs", confirmed)
        log = await call(mcp, "get_triage_log", {})
    assert text.startswith("This confirmation token was already used")
    assert log["total"] == 1


async def test_a_forged_or_foreign_token_is_refused(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """A token from another server process, or made up, confirms nothing."""
    args = {"bug_ids": [open_bugs.bug_ids[0]], "action": "accept"}
    async with legacy() as first:
        token = (await call(first, "triage_bugs", args))["confirmation_token"]
    async with legacy() as second:
        foreign = await call_error(second, "triage_bugs", {**args, "confirmation_token": token})
        made_up = await call_error(second, "triage_bugs", {**args, "confirmation_token": "x.y"})
    assert foreign.startswith("This confirmation token was not issued by this server")
    assert made_up.startswith("This confirmation token was not issued by this server")
    assert truth_bug(synced, open_bugs.bug_ids[0])["status"] == "forwarded"


async def test_a_bug_changed_upstream_since_the_preview_is_refused_before_any_write(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """The bugs are read from the API again at confirmation, not taken from the cache."""
    a, b = open_bugs.bug_ids[0], open_bugs.bug_ids[1]
    args = {"bug_ids": [a, b], "action": "reject", "reason": "irrelevant"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        synced.sandbox.triage(synced.sandbox.store.account(0), b, "accept")
        text = await call_error(
            mcp, "triage_bugs", {**args, "confirmation_token": preview["confirmation_token"]}
        )
        log = await call(mcp, "get_triage_log", {})
    assert text.startswith(f"Bug {b} changed since the preview (it is active_accepted now)")
    assert truth_bug(synced, a)["status"] == "forwarded"
    assert log["total"] == 0


async def test_the_audit_log_names_who_when_what_and_the_answer_but_never_the_token(
    connect: Connect, synced: World, open_bugs: Open
) -> None:
    """Each write is one entry with the user, the action, the states and the HTTP status."""
    bug = open_bugs.bug_ids[0]
    args = {"bug_ids": [bug], "action": "reject", "reason": "known_bug", "comment": "Dup."}
    async with connect() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        token = preview["confirmation_token"]
        await call(mcp, "triage_bugs", {**args, "confirmation_token": token})
        log = await call(mcp, "get_triage_log", {"bug_id": bug})
    [entry] = log["entries"]
    assert entry["user"] == USER
    assert (entry["action"], entry["reason"], entry["comment"]) == ("reject", "known_bug", "Dup.")
    assert (entry["before_status"], entry["after_status"]) == ("forwarded", "rejected")
    assert (entry["outcome"], entry["http_status"]) == ("changed", 200)
    assert entry["at"] == "2026-11-21T12:00:00Z"
    assert token not in str(log)
    database = Path(synced.settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    for file in (database, Path(f"{database}-wal")):
        data = file.read_bytes() if file.exists() else b""
        assert token.encode() not in data
        assert token.split(".")[1].encode() not in data


async def test_an_unknown_bug_is_a_one_sentence_error_and_nothing_is_previewed(
    legacy: Connect, open_bugs: Open
) -> None:
    """A bug the token cannot see is named, with where to look."""
    async with legacy() as mcp:
        text = await call_error(
            mcp, "triage_bugs", {"bug_ids": [open_bugs.bug_ids[0], 999], "action": "accept"}
        )
    assert text == (
        "TestIO has no bug 999 this token may change (HTTP 404); check the id with get_test_status."
    )
