"""The TestIO Customer API client: all HTTP to TestIO lives in this package.

`api.TestIOClient` is the client; `session` sends the requests; the other modules decide,
without I/O, how to retry, pause, recover and parse.
"""

from __future__ import annotations

from testio.client.api import TestIOClient
from testio.client.listings import BugBatch, TestPage
from testio.client.recovery import Problem

__all__ = ["BugBatch", "Problem", "TestIOClient", "TestPage"]
