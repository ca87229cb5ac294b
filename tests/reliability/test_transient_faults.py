"""Each transient fault of the API alone ends in the same cache as a sync without faults.

The small sandbox always has one poisoned test (a persistent fault), so every run here ends
partial with exactly the clean run's one problem; everything else must be complete.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from testio.sandbox import Faults, SandboxConfig
from tests.reliability.cache_dump import CacheDump, differences, dump_cache
from tests.reliability.faulty_world import PATIENT, synced_result
from tests.world import NOW, World

TRANSIENT: dict[str, Faults] = {
    "latency": Faults(latency_ms=(5.0, 20.0)),
    "429 with Retry-After in seconds": Faults(rate_limit_per_s=10, retry_after_form="seconds"),
    "429 with Retry-After as an HTTP date": Faults(
        rate_limit_per_s=10, retry_after_form="http-date"
    ),
    "random 502 and 503": Faults(error_rate=0.3, fault_seed=1),
    "dropped connections": Faults(drop_rate=0.3, fault_seed=2),
    "malformed JSON": Faults(malformed_rate=0.3, fault_seed=3),
}
SIGN_IN_LOG: dict[str, str] = {
    "latency": "",
    "429 with Retry-After in seconds": "rate-limited (HTTP 429)",
    "429 with Retry-After as an HTTP date": "rate-limited (HTTP 429)",
    "random 502 and 503": "failed (HTTP 50",
    "dropped connections": "dropped the connection",
    "malformed JSON": "unexpected body",
}


@pytest.mark.parametrize("name", list(TRANSIENT))
async def test_a_transient_fault_alone_ends_in_the_cache_of_a_clean_sync(
    tmp_path: Path, clean_small: CacheDump, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    world = World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW, faults=TRANSIENT[name]))
    caplog.set_level(logging.WARNING, logger="testio")

    result = await synced_result(world, **PATIENT)

    assert differences(dump_cache(tmp_path / "cache.db"), clean_small) == []
    assert [p.kind for p in result.problems] == ["test_page"]
    assert SIGN_IN_LOG[name] in caplog.text


async def test_bug_batches_that_time_out_with_524_are_split_until_every_bug_is_cached(
    tmp_path: Path, clean_small: CacheDump
) -> None:
    world = World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW, bug_batch_budget=40))

    result = await synced_result(world)

    assert differences(dump_cache(tmp_path / "cache.db"), clean_small) == []
    assert [p.kind for p in result.problems] == ["test_page"]
    assert world.sandbox.counters()["GET /bugs"] > 10


@pytest.mark.slow
async def test_a_sync_slowed_to_two_requests_a_second_still_ends_in_the_clean_cache(
    tmp_path: Path, clean_small: CacheDump
) -> None:
    faults = Faults(rate_limit_per_s=2, retry_after_form="seconds")
    world = World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW, faults=faults))

    await synced_result(world, **PATIENT)

    assert differences(dump_cache(tmp_path / "cache.db"), clean_small) == []
