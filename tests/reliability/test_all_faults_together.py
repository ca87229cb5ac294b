"""Every fault at once, against the medium sandbox, through the real `testio sync` command.

Latency, random 502/503, dropped connections, truncated JSON, bug batches heavy enough for
524, poisoned list pages, one test whose bugs always fail, and a rate limit (Retry-After as
an HTTP date) on the sync's first burst of requests: the sync ends partial, naming exactly
what is missing, and the cache equals a clean sync's but for that one test's bugs. Once the
API behaves, the next sync restores the clean cache exactly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest

from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from tests.reliability.cache_dump import CacheDump, differences, dump_cache, excluding
from tests.reliability.faulty_world import missing_lines
from tests.reliability.processes import cli_command, cli_env
from tests.world import NOW

RATE_LIMIT = 20
"""Requests per second the sandbox allows during the sync's first burst."""

SIGNS = {
    "429 rate limits": r"was rate-limited \(HTTP 429\)",
    "502/503 errors": r"failed \(HTTP 50[23]\)",
    "dropped connections": r"failed \(RemoteProtocolError",
    "truncated JSON bodies": r"failed \(unexpected body",
    "524 batch timeouts": r"failed with HTTP 524; splitting",
    "poisoned-page 500s": r"failed \(HTTP 500\)",
}


async def _sync(
    env: dict[str, str], *, lift_rate_limit: tuple[RunningSandbox, Faults] | None = None
) -> tuple[int, str, str]:
    """Run `testio --verbose sync`; optionally replace the sandbox's faults once its first
    burst of requests has met the rate limit (the limit is per second, so no later request
    waits for long)."""
    home = Path(env["HOME"])
    with (home / "sync.stdout").open("wb") as out, (home / "sync.stderr").open("wb") as err:
        process = await anyio.open_process(
            cli_command("--verbose", "sync"), env=env, stdout=out, stderr=err
        )
        if lift_rate_limit is not None:
            sandbox, faults = lift_rate_limit
            with anyio.fail_after(60):
                while (  # noqa: ASYNC110 - polling the requests of another process
                    sum(sandbox.sandbox.counters().values()) < 2 * RATE_LIMIT
                    and process.returncode is None
                ):
                    await anyio.sleep(0.01)
            sandbox.sandbox.set_faults(faults)
        code = await process.wait()
    return (
        code,
        (home / "sync.stdout").read_text("utf-8"),
        (home / "sync.stderr").read_text("utf-8"),
    )


def _failing_test(truth: list[dict[str, Any]]) -> dict[str, Any]:
    return max(
        (t for p in truth for t in p["tests"] if t["status"] == "archived" and not t["poisoned"]),
        key=lambda t: len(t["bugs"]),
    )


@pytest.mark.slow
async def test_all_faults_at_once_cost_only_the_persistent_ones_and_heal_with_the_api(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(seed=1, size="medium", now=NOW, bug_batch_budget=100)
    async with RunningSandbox(config) as sandbox:
        token = sandbox.tokens[0]
        truth: list[dict[str, Any]] = sandbox.sandbox.ground_truth()["accounts"][0]["products"]
        failing = _failing_test(truth)
        clean_home, home = tmp_path / "clean", tmp_path / "faulty"
        clean_home.mkdir()
        home.mkdir()
        clean_code, clean_out, _ = await _sync(
            cli_env(clean_home, api_url=sandbox.base_url, token=token)
        )
        clean: CacheDump = dump_cache(clean_home / "cache.db")

        faults = Faults(
            latency_ms=(1.0, 10.0),
            error_rate=0.05,
            drop_rate=0.025,
            malformed_rate=0.06,  # enough draws that some truncated bodies always occur
            fail_bug_batches_for=frozenset({failing["id"]}),
            fault_seed=11,
        )
        # Patient retries for the random faults; small bug batches, so the batch holding the
        # always-failing test is split (with every retry at each level) only three times.
        env = cli_env(
            home,
            api_url=sandbox.base_url,
            token=token,
            TESTIO_MAX_RETRIES="7",
            TESTIO_BUG_BATCH_SIZE="8",
        )
        sandbox.sandbox.reset_counters()
        sandbox.sandbox.set_faults(
            attrs.evolve(faults, rate_limit_per_s=RATE_LIMIT, retry_after_form="http-date")
        )
        code, out, log = await _sync(env, lift_rate_limit=(sandbox, faults))
        faulty = dump_cache(home / "cache.db")
        sandbox.sandbox.set_faults(Faults())
        healed_code, healed_out, _ = await _sync(env)

    injected = {name: len(re.findall(sign, log)) for name, sign in SIGNS.items()}
    print(f"\nall faults together: {injected}, exit codes {code} then {healed_code}")

    assert (clean_code, code, healed_code) == (2, 2, 2)
    missing = missing_lines(out)
    (bug_line,) = [m for m in missing if "bugs of test" in m]
    assert f"bugs of test {failing['id']} " in bug_line
    assert sorted([*missing_lines(clean_out), bug_line]) == sorted(missing)

    # The products table differs too: the failing test's product is not marked synced.
    rest: dict[str, Any] = {"tests": [failing["id"]], "tables": ["problems", "products"]}
    assert differences(excluding(faulty, **rest), excluding(clean, **rest)) == []
    assert not [row for row in faulty["bugs"] if row[1] == failing["id"]]
    assert differences(dump_cache(home / "cache.db"), clean) == []
    assert sorted(missing_lines(healed_out)) == sorted(missing_lines(clean_out))
    assert all(count > 0 for count in injected.values()), injected
