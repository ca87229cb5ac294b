"""The audit log outside the MCP tool: the CLI, and a cache rebuilt for a new schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from testio.cache.models import SCHEMA_VERSION
from testio.config import Settings
from tests.cli.test_cli import cache_only, run_testio
from tests.mcp_calls import call
from tests.triage.conftest import USER, Connect, Open
from tests.world import World


async def _reject_one(legacy: Connect, bug: int) -> str:
    args: dict[str, Any] = {"bug_ids": [bug], "action": "reject", "reason": "irrelevant"}
    async with legacy() as mcp:
        preview = await call(mcp, "triage_bugs", args)
        token = preview["confirmation_token"]
        await call(mcp, "triage_bugs", {**args, "confirmation_token": token})
    return token


async def test_the_cli_prints_the_audit_log_as_a_table_and_as_json_without_the_token(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """`testio triage-log` shows each write; the token is in neither form."""
    bug = open_bugs.bug_ids[0]
    token = await _reject_one(legacy, bug)

    table = run_testio("triage-log", env=cache_only(synced))
    as_json = run_testio(
        "triage-log", "--format", "json", "--bug", str(bug), env=cache_only(synced)
    )

    assert table.returncode == 0, table.stderr
    header, row, footer = table.stdout.strip().splitlines()
    assert header.split() == [
        "at",
        "user",
        "action",
        "bug",
        "before",
        "outcome",
        "http",
        "after",
        "reason",
    ]
    assert row.split() == [
        "2026-11-21T12:00:00Z",
        USER,
        "reject",
        str(bug),
        "forwarded",
        "changed",
        "200",
        "rejected",
        "irrelevant",
    ]
    assert footer == "1 of 1 write(s) shown, newest first."
    entries = json.loads(as_json.stdout)["entries"]
    assert [(e["bug_id"], e["outcome"]) for e in entries] == [(bug, "changed")]
    for output in (table.stdout, table.stderr, as_json.stdout, as_json.stderr):
        assert token not in output
        assert token.split(".")[1] not in output


def test_the_cli_says_so_when_nothing_was_written(synced: World) -> None:
    """An empty log is one line, exit 0."""
    done = run_testio("triage-log", env=cache_only(synced))
    assert done.returncode == 0
    assert done.stdout == "No triage writes recorded.\n"


async def test_the_audit_log_survives_a_rebuild_for_another_schema_version(
    legacy: Connect, synced: World, open_bugs: Open
) -> None:
    """A schema change empties the refetchable cache but keeps the log of writes."""
    bug = open_bugs.bug_ids[0]
    await _reject_one(legacy, bug)
    await _set_schema_version(synced, "1")

    async with synced.app() as app:
        async with app.stats() as stats:
            counts = await stats.get_database_stats()
        async with app.triage() as svc:
            log = await svc.get_triage_log()

    assert counts.bugs == 0
    assert [(e.bug_id, e.action, e.outcome) for e in log.entries] == [(bug, "reject", "changed")]
    assert await _schema_version(synced) == str(SCHEMA_VERSION)


async def _set_schema_version(world: World, version: str) -> None:
    engine = create_async_engine(world.settings.database_url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": version}
            )
    finally:
        await engine.dispose()


async def _schema_version(world: World) -> str | None:
    engine = create_async_engine(world.settings.database_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            query = text("SELECT value FROM meta WHERE key = 'schema_version'")
            return (await conn.execute(query)).scalar()
    finally:
        await engine.dispose()


def test_writes_are_off_unless_the_environment_or_the_config_file_turns_them_on(
    tmp_path: Path,
) -> None:
    """TESTIO_ALLOW_WRITES takes 1/0, true/false, yes/no, on/off; the file takes a boolean."""
    home = {"HOME": str(tmp_path)}
    assert Settings.from_env(home).allow_writes is False
    for value, expected in (("1", True), ("true", True), ("on", True), ("0", False), ("no", False)):
        assert Settings.from_env({**home, "TESTIO_ALLOW_WRITES": value}).allow_writes is expected
    config = tmp_path / "config.toml"
    config.write_text("allow_writes = true\nuser = 'lead'\n", encoding="utf-8")
    from_file = Settings.from_env({**home, "TESTIO_CONFIG": str(config)})
    assert (from_file.allow_writes, from_file.user) == (True, "lead")


def test_a_bad_allow_writes_value_is_one_sentence(tmp_path: Path) -> None:
    """A typo does not silently leave writes on or off."""
    from testio.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"HOME": str(tmp_path), "TESTIO_ALLOW_WRITES": "maybe"})
    assert str(caught.value) == ("TESTIO_ALLOW_WRITES must be 1 or 0 (true or false), not 'maybe'.")


def test_the_audit_user_is_testio_user_or_else_the_os_user(tmp_path: Path) -> None:
    """The "who" of each write."""
    import getpass

    home = {"HOME": str(tmp_path)}
    assert Settings.from_env({**home, "TESTIO_USER": "ana"}).user == "ana"
    assert Settings.from_env(home).user == getpass.getuser()
