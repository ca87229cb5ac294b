"""Secrets stay secret: the API token and test environment credentials, everywhere we write.

The token test runs the real processes (`testio sync`, `testio report`, `testio serve`)
against a faulty sandbox with debug logging, keeps their output in files under the test's
home, and scans every byte there: outputs, logs, the cache with its -wal and -shm, reports.
"""

from __future__ import annotations

import signal
import sqlite3
import stat
import subprocess
import traceback
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from testio.errors import TestioError
from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from tests.reliability.faulty_world import synced_result
from tests.reliability.processes import cli_command, cli_env, serve_params
from tests.world import NOW, World

TOKEN = "sbx_reliability_5ec7e7_0f1e2d3c4b5a6978"
WRONG = "sbx_wrong_token_a1b2c3d4e5f60718293a"


def _files_holding(root: Path, secret: str) -> list[str]:
    """Every file under `root` whose bytes contain `secret`."""
    needle = secret.encode()
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and needle in p.read_bytes())


async def _run(home: Path, name: str, env: dict[str, str], *args: str) -> int:
    """Run `testio ARGS`, keeping its stdout and stderr as files under `home`."""
    done = await anyio.run_process(cli_command(*args), env=env, check=False)
    (home / f"{name}.stdout").write_bytes(done.stdout)
    (home / f"{name}.stderr").write_bytes(done.stderr)
    return done.returncode


async def _every_tool(home: Path, env: dict[str, str], product_id: int) -> None:
    """Call every tool through `testio serve` (some with bad arguments), keeping each result."""
    calls: list[tuple[str, dict[str, Any]]] = [
        ("health_check", {}),
        ("list_products", {}),
        ("list_tests", {"product_id": product_id}),
        ("list_tests", {"product_id": 1}),
        ("get_test_status", {"test_id": 1}),
        ("generate_ebr_report", {"product_id": product_id, "output_file": "ebr.json"}),
        ("generate_ebr_report", {"product_id": product_id, "output_file": "../out.json"}),
        ("get_database_stats", {}),
        ("get_sync_history", {}),
        ("get_problematic_tests", {}),
        ("sync_data", {"full": True}),
        ("sync_data", {"product_ids": "all"}),
    ]
    with anyio.fail_after(120):
        async with Client(serve_params(env, home / "serve.stderr"), mode="legacy") as mcp:
            for n, (name, args) in enumerate(calls):
                result = await mcp.call_tool(name, args)
                text = result.model_dump_json()
                (home / f"tool-{n}-{name}.json").write_text(text, encoding="utf-8")


@pytest.mark.slow
async def test_the_token_is_in_no_output_log_tool_result_or_cache_file(tmp_path: Path) -> None:
    faults = Faults(
        error_rate=0.2,
        drop_rate=0.1,
        malformed_rate=0.1,
        fail_bug_batches_for=frozenset({117893}),
        fault_seed=5,
    )
    config = SandboxConfig(seed=1, size="small", now=NOW, token=TOKEN, faults=faults)
    home = tmp_path / "home"
    home.mkdir()
    async with RunningSandbox(config) as sandbox:
        env = cli_env(home, api_url=sandbox.base_url, token=TOKEN, TESTIO_LOG_LEVEL="DEBUG")
        product_id = sandbox.sandbox.ground_truth()["accounts"][0]["products"][0]["id"]
        codes = [await _run(home, "sync", env, "--verbose", "sync", "--full")]
        # A reader held open keeps the -wal file (and what later processes write into it).
        with closing(sqlite3.connect(home / "cache.db")) as reader:
            reader.execute("SELECT count(*) FROM tests").fetchone()
            report = ("--verbose", "report", "--product", str(product_id))
            codes.append(await _run(home, "report", env, *report))
            codes.append(
                await _run(home, "wrong-token", {**env, "TESTIO_API_TOKEN": WRONG}, "sync")
            )
            await _every_tool(home, env, product_id)
            down = {
                **env,
                "TESTIO_API_URL": "http://127.0.0.1:9/customer/v2",
                "TESTIO_MAX_RETRIES": "1",
            }
            codes.append(await _run(home, "unreachable", down, "--verbose", "sync"))
            scanned = {p.name: p.stat().st_size for p in home.rglob("*") if p.is_file()}
            holding = _files_holding(home, TOKEN), _files_holding(home, WRONG)

    print(
        f"\nsecrets: {len(scanned)} files, {sum(scanned.values()):,} bytes "
        f"scanned for the token; found in {len(holding[0])}"
    )
    assert codes == [2, 0, 1, 1]
    assert "DEBUG testio.client: GET products" in (home / "sync.stderr").read_text("utf-8")
    assert "DEBUG testio.client: GET products" in (home / "serve.stderr").read_text("utf-8")
    assert {"cache.db", "cache.db-wal", "cache.db.sync.lock", "ebr.json"} <= set(scanned)
    assert holding == ([], [])


async def test_errors_raised_to_python_callers_never_show_the_token(tmp_path: Path) -> None:
    """The whole exception chain of a failed sync, as a traceback prints it."""
    world = World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW, token=TOKEN))
    world.sandbox.set_faults(Faults(drop_rate=1.0))

    with pytest.raises(TestioError) as caught:
        await synced_result(world)

    printed = "".join(traceback.format_exception(caught.value))
    assert "Could not reach TestIO" in printed
    assert TOKEN not in printed
    assert TOKEN not in repr(caught.value.__dict__)


def _credentials(world: World) -> set[str]:
    return {
        value
        for env in world.sandbox.dataset.environments.values()
        for value in (env.username, env.password, env.access or "")
        if value
    }


async def test_test_environment_credentials_are_never_stored_or_returned(
    world: World, tmp_path: Path
) -> None:
    """Every tool's output, report files and the cache (held open, so its WAL stays) are clean."""
    secrets = _credentials(world)
    products = world.products()
    outputs: list[str] = []
    async with world.app() as app:  # keeps a connection open: the -wal and -shm files remain
        await synced_result(world)
        async with Client(world.server(), mode="legacy") as mcp:
            calls: list[tuple[str, dict[str, Any]]] = [("list_products", {}), ("health_check", {})]
            for product in products:
                calls.append(("list_tests", {"product_id": product["id"], "per_page": 200}))
                calls.append(
                    (
                        "generate_ebr_report",
                        {"product_id": product["id"], "output_file": f"{product['id']}.md"},
                    )
                )
                calls.extend(
                    ("get_test_status", {"test_id": t["id"]})
                    for t in product["tests"]
                    if not t["poisoned"]
                )
            for name, args in calls:
                result = await mcp.call_tool(name, args)
                assert not result.is_error, result.content
                outputs.append(result.model_dump_json())
        assert app.engine is not None
        assert Path(f"{tmp_path / 'cache.db'}-wal").is_file()
        leaked_files = {s: _files_holding(tmp_path, s) for s in secrets}

    assert len(secrets) >= 3
    assert {s: files for s, files in leaked_files.items() if files} == {}
    assert [s for s in secrets if any(s in text for text in outputs)] == []


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_real_sync_creates_its_cache_files_for_their_owner_only(tmp_path: Path) -> None:
    """Even with a umask that lets everyone read; checked mid-sync, when -wal and -shm exist."""
    config = SandboxConfig(seed=1, size="small", now=NOW, faults=Faults(latency_ms=(50, 50)))
    async with RunningSandbox(config) as sandbox:
        env = cli_env(tmp_path, api_url=sandbox.base_url, token=sandbox.tokens[0])
        db = tmp_path / "cache.db"
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.sync.lock")]
        process = await anyio.open_process(
            cli_command("sync"),
            env=env,
            umask=0o000,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with anyio.fail_after(60):
                while not all(f.exists() for f in files) and process.returncode is None:  # noqa: ASYNC110 - polling files another process creates
                    await anyio.sleep(0.02)
            modes = {f.name: _mode(f) for f in files if f.exists()}
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
            await process.wait()
    assert modes == {f.name: 0o600 for f in files}
