"""A sandbox world for tests: the API simulator, settings pointing at it, apps on one cache."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from testio.app import App
from testio.config import Settings
from testio.sandbox import Sandbox, SandboxConfig, create_app, sandbox_of
from testio.server import build_server

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
API_URL = "http://sandbox.test/customer/v2"


def clock() -> datetime:
    return NOW


class World:
    """A sandbox API, settings pointing at it, and a way to open apps on one cache."""

    def __init__(
        self, tmp_path: Path, config: SandboxConfig, *, database_url: str | None = None
    ) -> None:
        self.asgi = create_app(config)
        self.sandbox: Sandbox = sandbox_of(self.asgi)
        self.settings = Settings(
            api_url=API_URL,
            api_token=self.sandbox.tokens[0],
            database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}",
            reports_dir=tmp_path / "reports",
            refresh_interval_s=0,
        )

    def app(self, *, at: Callable[[], datetime] = clock, **overrides: Any) -> App:
        import attrs

        settings = attrs.evolve(self.settings, **overrides) if overrides else self.settings
        return App(
            settings, transport=httpx.ASGITransport(app=self.asgi), clock=at, backoff_base=0.0
        )

    def server(self, *, at: Callable[[], datetime] = clock, **overrides: Any) -> Any:
        import attrs

        settings = attrs.evolve(self.settings, **overrides) if overrides else self.settings
        return build_server(
            settings, app_factory=lambda: self.app(at=at, **overrides), background_refresh=False
        )

    async def sync(self) -> None:
        async with self.app() as app, app.sync() as svc:
            await svc.sync()

    def truth(self) -> dict[str, Any]:
        return self.sandbox.ground_truth()

    def products(self) -> list[dict[str, Any]]:
        return self.truth()["accounts"][0]["products"]

    async def raw(self, path: str, **params: str) -> Any:
        """What the sandbox API itself answers to `GET path` for the world's token."""
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi),
            base_url=API_URL + "/",
            headers={"Authorization": f"Token {self.sandbox.tokens[0]}"},
        ) as http:
            response = await http.get(path, params=params)
            response.raise_for_status()
            return response.json()
