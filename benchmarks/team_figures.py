"""The team figures: 50 MCP clients over HTTP for 60 s while `testio worker` syncs PostgreSQL.

PostgreSQL comes from `TESTIO_TEST_POSTGRES_URL` (a database is created for the run), or
from a throwaway cluster started with `.ci/postgres.sh` (Debian's `postgresql` package);
without either the figures are reported missing with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncGenerator, Generator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client  # pyright: ignore[reportPrivateUsage]  # the SDK's client defaults

from benchmarks.measure import median, percentile
from benchmarks.sandbox_process import SandboxProcess, free_port
from benchmarks.table import Figure
from benchmarks.truth import Account

CLIENTS = int(os.environ.get("TESTIO_BENCH_CLIENTS", "50"))
ERRORS = "team load: failed calls (50 HTTP clients, worker syncing PostgreSQL)"
P50 = "team load: tool call median"
P99 = "team load: tool call p99"
TEAM_FIGURES = (ERRORS, P50, P99)
TOKEN = "bench-client-token-" + uuid.uuid4().hex
ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def postgres() -> Generator[str]:
    """A PostgreSQL URL for one run (a database of its own, or a whole throwaway cluster)."""
    given = os.environ.get("TESTIO_TEST_POSTGRES_URL")
    if given:
        yield from _database_on(given)
        return
    script = ROOT / ".ci" / "postgres.sh"
    folder = Path(tempfile.mkdtemp(prefix="testio-bench-pg-", dir="/tmp"))
    try:
        started = subprocess.run(
            ["bash", str(script), "start", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if started.returncode != 0:
            raise RuntimeError(
                "no PostgreSQL: set TESTIO_TEST_POSTGRES_URL or install Debian's postgresql "
                f"(.ci/postgres.sh install); {started.stderr.strip()[-300:]}"
            )
        yield started.stdout.strip()
    finally:
        subprocess.run(["bash", str(script), "stop", str(folder)], check=False, timeout=120)


def _database_on(url: str) -> Generator[str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    name = f"bench_{uuid.uuid4().hex[:8]}"
    server = make_url(url).set(drivername="postgresql+asyncpg")

    async def admin(sql: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    anyio.run(admin, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        anyio.run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def _client(url: str) -> AsyncGenerator[Client]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
    async with http, Client(streamable_http_client(url, http_client=http)) as client:
        yield client


def _calls(account: Account) -> list[tuple[str, dict[str, Any]]]:
    """The mix each client cycles through: lists, a test's status, stats, and a report."""
    product = account.biggest_product()
    tests = [t.id for t in product.tests if not t.poisoned]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_products", {}),
        ("list_tests", {"product_id": product.id, "per_page": 50}),
        ("get_database_stats", {}),
        ("get_sync_history", {}),
        ("generate_ebr_report", {"product_id": product.id}),
    ]
    calls.extend(("get_test_status", {"test_id": t}) for t in tests[:5])
    return calls


async def _load(
    url: str, account: Account, seconds: float
) -> tuple[list[float], list[str], dict[str, list[float]]]:
    latencies: list[float] = []
    by_tool: dict[str, list[float]] = {}
    errors: list[str] = []
    calls = _calls(account)
    deadline = time.monotonic() + seconds

    async def one_client(n: int) -> None:
        try:
            async with _client(url) as client:
                i = n
                while time.monotonic() < deadline:
                    name, args = calls[i % len(calls)]
                    i += 1
                    started = time.perf_counter()
                    result = await client.call_tool(name, args)
                    elapsed = (time.perf_counter() - started) * 1000
                    latencies.append(elapsed)
                    by_tool.setdefault(name, []).append(elapsed)
                    if result.is_error:
                        errors.append(f"{name}: {result.content}"[:300])
        except Exception as exc:  # a broken client counts as an error, the others go on
            errors.append(f"client {n}: {type(exc).__name__}: {exc}"[:300])

    async with anyio.create_task_group() as tg:
        for n in range(CLIENTS):
            tg.start_soon(one_client, n)
    return latencies, errors, by_tool


def _wait_for_http(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"testio serve --http exited with {process.returncode}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("testio serve --http did not start")


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def team_figures(
    sandbox: SandboxProcess, env: Mapping[str, str], account: Account, seconds: float, log: Any
) -> list[Figure]:
    """Fill PostgreSQL with one sync, then measure 50 HTTP clients while the worker syncs."""
    with postgres() as url, tempfile.TemporaryDirectory(prefix="testio-team-") as folder:
        team_env = {
            **env,
            "TESTIO_DATABASE_URL": url,
            "TESTIO_HTTP_TOKENS": TOKEN,
            "TESTIO_SERVE_SYNC": "off",
            "TESTIO_WORKER_INTERVAL": "5",
        }
        argv = [sys.executable, "-m", "testio"]
        first = subprocess.run(
            [*argv, "sync"], env=team_env, capture_output=True, timeout=300, check=False
        )
        if first.returncode not in (0, 2):
            raise RuntimeError(f"the first sync failed: {first.stderr.decode()[-300:]}")
        port = free_port()
        mcp_url = f"http://127.0.0.1:{port}/mcp"
        worker_log = Path(folder) / "worker.log"
        serve_log = Path(folder) / "serve.log"
        sandbox.set_latency(50)
        with worker_log.open("wb") as wlog, serve_log.open("wb") as slog:
            server = subprocess.Popen(
                [*argv, "serve", "--http", "--port", str(port)], env=team_env, stderr=slog
            )
            worker = subprocess.Popen([*argv, "worker"], env=team_env, stderr=wlog)
            try:
                _wait_for_http(mcp_url, server)
                latencies, errors, by_tool = anyio.run(_load, mcp_url, account, seconds)
            finally:
                worker_code = _stop(worker)
                server_code = _stop(server)
                sandbox.set_latency(0)
        runs = worker_log.read_text().count("testio.worker: sync ")
        print(
            f"team load: {len(latencies)} calls, {len(errors)} errors, {runs} worker syncs, "
            f"worker exit {worker_code}, server exit {server_code}",
            file=log,
            flush=True,
        )
        for name, values in sorted(by_tool.items()):
            print(
                f"  {name}: {len(values)} calls, median {median(values):.0f} ms, "
                f"p99 {percentile(values, 0.99):.0f} ms",
                file=log,
            )
        for error in errors[:5]:
            print(f"  error: {error}", file=log)
    if not latencies:
        raise RuntimeError("no call completed")
    note = f"{len(latencies):,} calls in {seconds:.0f} s; {runs} worker syncs meanwhile"
    return [
        Figure(ERRORS, float(len(errors)), "calls", 0, note),
        Figure(P50, median(latencies), "ms", 500.0, note),
        Figure(P99, percentile(latencies, 0.99), "ms", 3000.0, note),
    ]
