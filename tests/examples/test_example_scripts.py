"""The scripts in examples/, run as a user would against the sandbox, and in-process for leaks."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from testio.app import App
from testio.cache.engine import connections_checked_out
from testio.config import Settings
from testio.sandbox import RunningSandbox, SandboxConfig
from tests.world import NOW, clock

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=1, size="small", now=NOW)) as running:
        yield running


def env(sandbox: RunningSandbox, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TESTIO_API_URL": sandbox.base_url,
        "TESTIO_API_TOKEN": sandbox.tokens[0],
        "TESTIO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}",
        "TESTIO_REPORTS_DIR": str(tmp_path / "reports"),
        "TESTIO_CONFIG": "",
    }


def run(script: str, *args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


def products(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    return sandbox.sandbox.ground_truth()["accounts"][0]["products"]


def test_sync_and_summarise_prints_every_product_and_exits_by_completeness(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    done = run("sync_and_summarise.py", environ=env(sandbox, tmp_path))
    poisoned = any(t["poisoned"] for p in products(sandbox) for t in p["tests"])
    assert done.returncode == (2 if poisoned else 0), done.stderr
    assert "sync partial" in done.stdout if poisoned else "sync success" in done.stdout
    for product in products(sandbox):
        assert product["name"] in done.stdout


def test_weekly_ebr_writes_one_markdown_report_per_product(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    out = tmp_path / "share"
    done = run("weekly_ebr.py", str(out), "--from", "2020-01-01", environ=env(sandbox, tmp_path))
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.md"))
    assert len(files) == len(products(sandbox))
    for product in products(sandbox):
        (path,) = [f for f in files if f.name.startswith(f"{product['id']}-")]
        assert path.read_text(encoding="utf-8").startswith(f"# EBR report: {product['name']}")


def _tests_by_open_critical(sandbox: RunningSandbox) -> tuple[int, int]:
    blocked = clean = None
    for product in products(sandbox):
        for test in product["tests"]:
            if test["poisoned"]:
                continue
            open_critical = [
                b
                for b in test["bugs"]
                if b["severity"] == "critical" and b["status"] == "forwarded"
            ]
            if open_critical and blocked is None:
                blocked = test["id"]
            if not open_critical and test["bugs"] and clean is None:
                clean = test["id"]
    assert blocked is not None
    assert clean is not None
    return blocked, clean


def test_release_gate_fails_on_open_critical_bugs_and_passes_without(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    environ = env(sandbox, tmp_path)
    assert run("sync_and_summarise.py", environ=environ).returncode in (0, 2)
    blocked, clean = _tests_by_open_critical(sandbox)
    failing = run("release_gate.py", str(blocked), environ=environ)
    assert failing.returncode == 1, failing.stderr
    assert failing.stdout.startswith(f"FAIL: test {blocked}")
    passing = run("release_gate.py", str(clean), environ=environ)
    assert passing.returncode == 0, passing.stderr
    assert passing.stdout.startswith(f"PASS: test {clean}")
    unknown = run("release_gate.py", "1", environ=environ)
    assert unknown.returncode == 2
    assert "No test 1 in the cache" in unknown.stderr


def load(script: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), EXAMPLES / script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_examples_leave_no_connection_checked_out(
    sandbox: RunningSandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        api_url=sandbox.base_url,
        api_token=sandbox.tokens[0],
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}",
        reports_dir=tmp_path / "reports",
    )
    blocked, _ = _tests_by_open_critical(sandbox)
    async with App(settings, clock=clock) as app:
        assert await load("sync_and_summarise.py").main(app, False) in (0, 2)
        assert await connections_checked_out(app.engine) == 0
        assert (
            await load("weekly_ebr.py").main(app, tmp_path / "out", "2020-01-01", None, False) == 0
        )
        assert await connections_checked_out(app.engine) == 0
        assert await load("release_gate.py").main(app, blocked, ["critical"]) == 1
        assert await connections_checked_out(app.engine) == 0
    assert "FAIL: test" in capsys.readouterr().out
