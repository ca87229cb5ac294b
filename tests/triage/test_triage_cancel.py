"""A caller that gives up in the middle of a batch loses nothing that was written."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from mcp import Client

from testio.app import App
from testio.cache.engine import connections_checked_out
from testio.server import build_server
from tests.mcp_calls import call, call_error
from tests.triage.conftest import USER, Clock, Open, truth_bug
from tests.world import World


class Gate:
    """ASGI middleware in front of the sandbox: holds one bug's write until the caller left."""

    def __init__(self, app: Any, bug_id: int) -> None:
        self.app = app
        self.path = f"/customer/v2/bugs/{bug_id}/"
        self.entered = anyio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "PUT"
            and scope["path"].startswith(self.path)
        ):
            self.entered.set()
            await anyio.sleep(0.5)  # the caller cancels meanwhile
        await self.app(scope, receive, send)


async def test_cancelling_mid_batch_keeps_the_write_in_flight_in_the_cache_and_the_log(
    synced: World, open_bugs: Open, clock: Clock
) -> None:
    """The write on the wire completes and is recorded; the bugs after it are not written."""
    import attrs

    first, second, third = open_bugs.bug_ids[:3]
    gate = Gate(synced.asgi, second)
    settings = attrs.evolve(synced.settings, allow_writes=True, user=USER)
    apps: list[App] = []

    def make_app() -> App:
        app = App(settings, transport=httpx.ASGITransport(app=gate), clock=clock, backoff_base=0.0)
        apps.append(app)
        return app

    server = build_server(settings, app_factory=make_app, background_refresh=False)
    args = {"bug_ids": [first, second, third], "action": "accept"}
    async with Client(server, mode="legacy") as mcp:
        preview = await call(mcp, "triage_bugs", args)
        confirmed = {**args, "confirmation_token": preview["confirmation_token"]}
        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:

                async def give_up_at_the_second_write() -> None:
                    await gate.entered.wait()
                    group.cancel_scope.cancel()

                group.start_soon(give_up_at_the_second_write)
                await mcp.call_tool("triage_bugs", confirmed)
            entries: list[dict[str, Any]] = []
            while len(entries) < 2:
                entries = (await call(mcp, "get_triage_log", {}))["entries"]
                await anyio.sleep(0.05)
        again = await call_error(mcp, "triage_bugs", confirmed)
        status = await call(
            mcp, "get_test_status", {"test_id": open_bugs.test_id, "recent_bugs": 100}
        )
        assert await connections_checked_out(apps[0].engine) == 0

    assert sorted((e["bug_id"], e["outcome"]) for e in entries) == sorted(
        [(first, "changed"), (second, "changed")]
    )
    assert [truth_bug(synced, b)["status"] for b in (first, second, third)] == [
        "accepted",
        "accepted",
        "forwarded",
    ]
    cached = {b["id"]: b["bucket"] for b in status["recent_bugs"]}
    assert (cached[first], cached[second], cached[third]) == (
        "active_accepted",
        "active_accepted",
        "open",
    )
    assert again.startswith("This confirmation token was already used")
