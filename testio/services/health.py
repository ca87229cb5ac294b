"""The health check: can we reach the API and the cache, and how did the last sync go."""

from __future__ import annotations

import time

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine

from testio.cache.synclock import sync_running
from testio.domain.stats import ApiHealth, DatabaseHealth, HealthReport
from testio.errors import ApiError
from testio.services.base import BaseService
from testio.services.stats import event_item
from testio.version import __version__

API_CHECK_TIMEOUT_S = 20.0


class HealthService(BaseService):
    """Checks the API, the cache and the sync state."""

    async def _api(self) -> ApiHealth:
        if not self.has_client:
            return ApiHealth(
                reachable=False,
                latency_ms=None,
                product_count=None,
                error="No API token is configured (TESTIO_API_TOKEN); answering from the cache only.",
            )
        started = time.perf_counter()
        try:
            with anyio.fail_after(API_CHECK_TIMEOUT_S):
                products, _ = await self.client.list_products()
        except ApiError as exc:
            return ApiHealth(reachable=False, latency_ms=None, product_count=None, error=str(exc))
        except TimeoutError:
            return ApiHealth(
                reachable=False,
                latency_ms=None,
                product_count=None,
                error=f"The TestIO API did not answer within {API_CHECK_TIMEOUT_S:.0f} s.",
            )
        latency = (time.perf_counter() - started) * 1000
        return ApiHealth(
            reachable=True, latency_ms=round(latency, 1), product_count=len(products), error=None
        )

    async def health_check(self) -> HealthReport:
        """API reachability and latency, the cache's schema, the last sync and open problems."""
        api = await self._api()
        version = await self.repos.stats.schema_version()
        events = await self.repos.sync_events.recent(1)
        problems = await self.repos.problems.count_open()
        bind = self.session.bind
        running = await sync_running(bind) if isinstance(bind, AsyncEngine) else False
        database = DatabaseHealth(reachable=True, schema_version=version, error=None)
        if not api.reachable and self.has_client:
            status = "degraded"
        elif not events:
            status = "never_synced"
        elif events[0].status in ("failed", "partial"):
            status = "degraded"
        else:
            status = "ok"
        return HealthReport(
            status=status,
            server_version=__version__,
            api=api,
            database=database,
            last_sync=event_item(events[0]) if events else None,
            sync_running=running,
            open_problems=problems,
        )
