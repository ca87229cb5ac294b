"""SyncService as a unit of work: its entry points and how it refuses misuse."""

from __future__ import annotations

import pytest
from sync_world import SyncWorld

from testio.errors import ConfigError, ServiceStateError
from testio.services.sync import SyncService


async def test_sync_now_reports_progress_as_products_done_of_total(small: SyncWorld) -> None:
    """The MCP form of progress never goes backwards and ends at the product count."""
    reports: list[tuple[float, float | None, str]] = []

    async def progress(done: float, total: float | None, message: str) -> None:
        reports.append((done, total, message))

    async with small.client() as client, small.service(client) as svc:
        result = await svc.sync_now(progress=progress)
    done = [r[0] for r in reports]
    assert result.trigger == "mcp"
    assert done == sorted(done)
    assert reports[-1][:2] == (3.0, 3.0)
    assert all(message for _, _, message in reports)


async def test_a_sync_without_an_api_client_is_a_config_error(small: SyncWorld) -> None:
    """Without a token there is no client; the error says which setting is missing."""
    async with SyncService(small.factory, None, settings=small.settings) as svc:
        with pytest.raises(ConfigError, match="TESTIO_API_TOKEN"):
            await svc.sync()


async def test_a_sync_service_outside_its_block_raises_service_state_error(
    small: SyncWorld,
) -> None:
    """Calling sync() before `async with` names the mistake."""
    async with small.client() as client:
        svc = small.service(client)
        with pytest.raises(ServiceStateError, match="async with"):
            await svc.sync()
