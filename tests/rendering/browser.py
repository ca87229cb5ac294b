"""Headless Chromium driven over the DevTools protocol on a pipe: load a page, read what it shows.

One browser per page, a fresh profile, every wait bounded. The page's console errors,
uncaught exceptions, log errors (CSP violations, failed loads) and every request that is not
to a file or data URL are collected while it loads.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

WIDTH = 1200


def find_tool(name: str, *candidates: str) -> str:
    """The path of a browser-test tool; skips the test, or fails it where CI requires the tool."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate)
        if found:
            return found
    reason = f"{name} is not installed (Debian: apt-get install chromium poppler-utils)"
    if os.environ.get("TESTIO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and TESTIO_REQUIRE_BROWSER=1 requires it.")
    pytest.skip(reason)


@attrs.frozen
class Box:
    """Where an element is on the page, in CSS pixels from the top left of the document."""

    name: str
    x: float
    y: float
    width: float
    height: float


@attrs.frozen
class Loaded:
    """What the browser made of a page."""

    text: str
    fields: dict[str, str]
    levels: dict[str, list[str]]
    rows: list[list[str]]
    months: list[list[str]]
    charts: list[Box]
    screenshot: bytes
    pdf: bytes
    errors: list[str]
    requests: list[str]


class DevTools:
    """The browser end of `--remote-debugging-pipe`: JSON messages separated by NUL bytes."""

    def __init__(self, to_browser: int, from_browser: int, deadline: float) -> None:
        self._out = to_browser
        self._in = from_browser
        self._deadline = deadline
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time.")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise ConnectionError("Chromium closed its DevTools pipe.")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        """The first event named `method`, waiting for it if it has not come yet."""
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message()
            self.events.append(event)
            if event.get("method") == method:
                return event

    def evaluate(self, expression: str, session: str) -> Any:
        result = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )
        return result["result"].get("value")


def _errors(events: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            found.append(str(details.get("exception", {}).get("description", details["text"])))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(str(params["entry"]["text"]))
    return found


def _requests(events: list[dict[str, Any]]) -> list[str]:
    urls = [
        str(e["params"]["request"]["url"])
        for e in events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    return [u for u in urls if not u.startswith(("file:", "data:", "about:"))]


FIELDS = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-field]')]
  .map(e => [e.dataset.field, e.innerText])))"""
LEVELS = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('.card[data-level]')]
  .map(c => [c.querySelector('[data-field]').dataset.field,
             [c.dataset.level, getComputedStyle(c).borderLeftColor]])))"""
MONTHS = """JSON.stringify([...document.querySelectorAll('tr[data-month]')]
  .map(r => [...r.cells].map(c => c.innerText)))"""
ROWS = """JSON.stringify([...document.querySelectorAll('tr[data-test-id]')]
  .map(r => [...r.cells].map(c => c.innerText)))"""
CHARTS = """JSON.stringify([...document.querySelectorAll('figure[data-chart]')].map(f => {
  const s = f.querySelector('svg'); const r = (s || f).getBoundingClientRect();
  return {name: f.dataset.chart, x: r.x + scrollX, y: r.y + scrollY, width: r.width,
          height: s ? r.height : 0}; }))"""


def load(chromium: str, page: Path, profile: Path, *, timeout: float = 40.0) -> Loaded:
    """Open `page` in a fresh headless Chromium; its text, numbers, charts, screenshot and PDF."""
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def wire_pipe() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
        # Moved above 10 first: a pipe end may itself be fd 3 or 4 and be overwritten.
        commands = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        answers = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(commands, 3)
        os.dup2(answers, 4)

    process = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",  # CI runs as root, where the sandbox cannot start
            "--disable-gpu",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--force-color-profile=srgb",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=False,  # only fds 3 and 4 are inheritable: os.pipe() makes the rest close
        preexec_fn=wire_pipe,  # dup2 in the child is the only way to place fds 3/4
    )
    os.close(to_browser_r)
    os.close(from_browser_w)
    tools = DevTools(to_browser_w, from_browser_r, time.monotonic() + timeout)
    try:
        target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            tools.call(f"{domain}.enable", session=session)
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session,
        )
        tools.call("Page.navigate", {"url": page.resolve().as_uri()}, session)
        tools.wait_for("Page.loadEventFired")
        text = str(tools.evaluate("document.body.innerText", session))
        fields: dict[str, str] = json.loads(tools.evaluate(FIELDS, session))
        levels: dict[str, list[str]] = json.loads(tools.evaluate(LEVELS, session))
        rows: list[list[str]] = json.loads(tools.evaluate(ROWS, session))
        months: list[list[str]] = json.loads(tools.evaluate(MONTHS, session))
        charts = [Box(**c) for c in json.loads(tools.evaluate(CHARTS, session))]
        height = float(tools.evaluate("document.documentElement.scrollHeight", session))
        shot = tools.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
            },
            session,
        )
        pdf = tools.call(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
            session,
        )
        errors, requests = _errors(tools.events), _requests(tools.events)
        tools.call("Browser.close")
    finally:
        os.close(to_browser_w)
        os.close(from_browser_r)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return Loaded(
        text=text,
        fields=fields,
        levels=levels,
        rows=rows,
        months=months,
        charts=charts,
        screenshot=base64.b64decode(shot["data"]),
        pdf=base64.b64decode(pdf["data"]),
        errors=errors,
        requests=requests,
    )
