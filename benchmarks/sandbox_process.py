"""The sandbox as a separate process on a free loopback port, and its admin endpoints.

A separate process, not `RunningSandbox`'s thread: the simulator's CPU must not share the
benchmark's (or anyone's) GIL, or it would slow down what we measure.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any, Self, cast

import httpx

STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxProcess:
    """`python -m testio.sandbox` for the length of a `with` block; stopping twice is harmless."""

    def __init__(self, *, size: str, seed: int = 1, now: str | None = None) -> None:
        self.size = size
        self.seed = seed
        self.now = now
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by stop()
        self._admin = httpx.Client(base_url=self.admin_url, timeout=120.0)

    @property
    def base_url(self) -> str:
        """The Customer API base URL."""
        return f"http://127.0.0.1:{self.port}/customer/v2"

    @property
    def admin_url(self) -> str:
        """The admin base URL."""
        return f"http://127.0.0.1:{self.port}/_admin"

    @property
    def argv(self) -> list[str]:
        """The command that starts this sandbox."""
        argv = [sys.executable, "-m", "testio.sandbox", "--port", str(self.port)]
        argv += ["--size", self.size, "--seed", str(self.seed)]
        return argv + (["--now", self.now] if self.now else [])

    def start(self) -> Self:
        """Start the process and wait until its admin endpoints answer."""
        if self._process is not None:
            raise RuntimeError("The sandbox process is already started.")
        self._process = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"The sandbox exited at start-up:\n{self._output()}")
            try:
                if self._admin.get("/now", timeout=2.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The sandbox did not answer within {STARTUP_TIMEOUT_S:.0f} s.")
            time.sleep(0.05)

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers) and close the admin client."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._admin.close()
        self._log.close()

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def _json(self, method: str, path: str, body: object | None = None) -> Any:
        response = self._admin.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def tokens(self) -> list[str]:
        """The account tokens, account 0 first."""
        return [str(t) for t in cast(list[object], self._json("GET", "/tokens")["tokens"])]

    def counters(self) -> dict[str, int]:
        """Requests per endpoint since the last reset, faulted ones included."""
        raw = cast(dict[str, object], self._json("GET", "/counters"))
        return {key: int(cast(int, value)) for key, value in raw.items()}

    def reset_counters(self) -> None:
        """Set every request counter to zero."""
        self._json("POST", "/counters/reset")

    def set_latency(self, ms: float) -> None:
        """Add this many milliseconds to every API request."""
        self._json("PUT", "/faults", {"latency_ms": [ms, ms]})

    def ground_truth(self) -> dict[str, Any]:
        """The whole dataset as the sandbox sees it now."""
        return cast(dict[str, Any], self._json("GET", "/ground-truth"))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
