"""A faithful local simulator of the TestIO Customer API v2, for tests, demos and benchmarks.

`create_app(SandboxConfig(...))` gives an ASGI app to use in-process; `RunningSandbox` serves one
on a free loopback port; `testio sandbox` (or `python -m testio.sandbox`) serves one for humans.
"""

from __future__ import annotations

from testio.sandbox.app import SandboxApp, create_app, sandbox_of
from testio.sandbox.config import Faults, SandboxConfig
from testio.sandbox.dataset import Dataset
from testio.sandbox.faults import ConnectionDropped, RequestTimedOut
from testio.sandbox.generator import demo_token, generate_dataset
from testio.sandbox.sandbox import Sandbox
from testio.sandbox.server import RunningSandbox
from testio.sandbox.spec import dataset_from_spec

__all__ = [
    "ConnectionDropped",
    "Dataset",
    "Faults",
    "RequestTimedOut",
    "RunningSandbox",
    "Sandbox",
    "SandboxApp",
    "SandboxConfig",
    "create_app",
    "dataset_from_spec",
    "demo_token",
    "generate_dataset",
    "sandbox_of",
]
