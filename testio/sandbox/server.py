"""RunningSandbox: the sandbox served by uvicorn on a free loopback port in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from testio.sandbox.app import create_app
from testio.sandbox.config import SandboxConfig
from testio.sandbox.sandbox import Sandbox

STARTUP_TIMEOUT_S = 10.0


def uvicorn_config(
    app: object, *, host: str, port: int, log_level: str = "warning", human: bool = False
) -> uvicorn.Config:
    """Return the uvicorn settings the sandbox runs with (h11, no lifespan, no access log).

    Only the human-facing command lets uvicorn configure logging; in tests and benchmarks the
    process's own logging setup stays untouched.
    """
    return uvicorn.Config(
        app,  # pyright: ignore[reportArgumentType] -- any ASGI callable
        host=host,
        port=port,
        http="h11",
        ws="none",
        lifespan="off",
        log_config=LOGGING_CONFIG if human else None,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )


class RunningSandbox:
    """Serves a sandbox over real HTTP for the length of a `with` or `async with` block."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.sandbox = Sandbox(config or SandboxConfig())
        self.app = create_app(self.sandbox)
        self.tokens: list[str] = self.sandbox.tokens
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """Return the port the server listens on."""
        if self._port is None:
            raise RuntimeError("RunningSandbox is not started; use it in a `with` block.")
        return self._port

    @property
    def base_url(self) -> str:
        """Return the Customer API base URL, e.g. http://127.0.0.1:53211/customer/v2."""
        return f"http://127.0.0.1:{self.port}/customer/v2"

    @property
    def admin_url(self) -> str:
        """Return the admin base URL, e.g. http://127.0.0.1:53211/_admin."""
        return f"http://127.0.0.1:{self.port}/_admin"

    def start(self) -> Self:
        """Start serving and wait until the server accepts connections."""
        if self._server is not None:
            raise RuntimeError("RunningSandbox is already started.")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        server = uvicorn.Server(uvicorn_config(self.app, host="127.0.0.1", port=self._port))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox"
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise RuntimeError("The sandbox server did not start.")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the server thread; stopping twice is harmless."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
