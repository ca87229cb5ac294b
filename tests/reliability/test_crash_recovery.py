"""`testio sync` killed with SIGKILL at random moments: the next sync completes the same cache.

Each trial starts from an empty cache, kills one to three real `testio sync` processes at
seeded random moments while they read a latent sandbox over loopback, then lets one run to
its end; the cache must then equal, row for row, the cache one clean sync builds.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

import anyio
import pytest

from testio.sandbox import Faults, RunningSandbox, SandboxConfig
from tests.reliability.cache_dump import CacheDump, differences, dump_cache
from tests.reliability.faulty_world import missing_lines
from tests.reliability.processes import cli_command, cli_env
from tests.world import NOW

TRIALS = 12
SEED = 20261121


async def _sync(env: dict[str, str]) -> tuple[int, str]:
    done = await anyio.run_process(cli_command("sync"), env=env, check=False)
    return done.returncode, done.stdout.decode()


async def _killed(env: dict[str, str], after: float) -> bool:
    """Start a sync and SIGKILL it `after` seconds later; True if it was still running."""
    process = await anyio.open_process(
        cli_command("sync"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    await anyio.sleep(after)
    running = process.returncode is None
    if running:
        process.send_signal(signal.SIGKILL)
    with anyio.fail_after(30):
        await process.wait()
    return running


@pytest.mark.slow
async def test_a_sync_killed_at_random_moments_resumes_to_the_cache_of_one_clean_sync(
    tmp_path: Path,
) -> None:
    config = SandboxConfig(seed=1, size="medium", now=NOW, faults=Faults(latency_ms=(2.0, 8.0)))
    rng = random.Random(SEED)
    kills = landed = 0
    async with RunningSandbox(config) as sandbox:
        token = sandbox.tokens[0]
        (tmp_path / "clean").mkdir()
        clean_env = cli_env(tmp_path / "clean", api_url=sandbox.base_url, token=token)
        started = time.perf_counter()
        clean_code, clean_output = await _sync(clean_env)
        duration = time.perf_counter() - started
        clean: CacheDump = dump_cache(tmp_path / "clean" / "cache.db")

        for trial in range(TRIALS):
            home = tmp_path / f"trial-{trial}"
            home.mkdir()
            env = cli_env(home, api_url=sandbox.base_url, token=token)
            for _ in range(rng.randint(1, 3)):
                kills += 1
                landed += await _killed(env, rng.uniform(0.3, duration))
            code, output = await _sync(env)

            assert code == clean_code
            assert sorted(missing_lines(output)) == sorted(missing_lines(clean_output))
            assert differences(dump_cache(home / "cache.db"), clean) == [], f"trial {trial}"

    print(
        f"\ncrash recovery: {TRIALS} trials, {kills} SIGKILLs ({landed} mid-sync), "
        f"clean sync {duration:.1f} s, rows compared per trial "
        f"{sum(len(rows) for rows in clean.values())}, differences 0"
    )
    assert landed >= TRIALS
