"""testio: ask an AI assistant about your TestIO crowdtesting, or script against the same data.

```python
import testio

async with testio.open() as app:                 # reads TESTIO_* settings, like the CLI
    async with app.sync() as sync:
        result = await sync.sync()               # bring the local cache up to date
    async with app.reports() as reports:
        ebr = await reports.generate_ebr_report(18559, start_date="2024-01-01", end_date="2024-12-31")
print(testio.to_jsonable(ebr))                   # plain dicts, ready for json.dumps
```
Every service owns its database session for the length of its `async with` block. Results
are frozen attrs objects; `to_jsonable` turns any of them into plain JSON data. Importing
this package does not import the MCP SDK, SQLAlchemy or httpx: they load when first used.
"""

from __future__ import annotations

from testio.app import App, open
from testio.config import Settings
from testio.dates import DateRangeError
from testio.domain.analytics import MetricsGroup, MetricsReport, MetricsScope
from testio.domain.bugs import (
    BugDetail,
    BugDevice,
    BugList,
    BugSummary,
    Comment,
    RejectReason,
)
from testio.domain.catalogue import FeatureList, FeatureSummary, UserStoryList, UserStorySummary
from testio.domain.common import BugCounts, DataWarning, Health, Quality, RateSummary, Ref
from testio.domain.multi_reports import (
    MultiProductEbrReport,
    MultiProductScope,
    ProductComparison,
)
from testio.domain.products import ProductList, ProductSummary
from testio.domain.reports import EbrReport, ReportScope, ReportTestRow
from testio.domain.search import SearchHit, SearchResults
from testio.domain.stats import DatabaseStats, HealthReport, ProblemList, SyncHistory
from testio.domain.sync import SyncProgress, SyncResult
from testio.domain.tests import BugItem, TestDetail, TestList, TestStatusReport, TestSummary
from testio.errors import (
    ApiError,
    AuthenticationError,
    ConfigError,
    InvalidArgumentError,
    NotFoundInCacheError,
    ServiceStateError,
    SyncInProgressError,
    TestioError,
)
from testio.serialize import to_jsonable
from testio.version import __version__

__all__ = [
    "ApiError",
    "App",
    "AuthenticationError",
    "BugCounts",
    "BugDetail",
    "BugDevice",
    "BugItem",
    "BugList",
    "BugSummary",
    "Comment",
    "ConfigError",
    "DataWarning",
    "DatabaseStats",
    "DateRangeError",
    "EbrReport",
    "FeatureList",
    "FeatureSummary",
    "Health",
    "HealthReport",
    "InvalidArgumentError",
    "MetricsGroup",
    "MetricsReport",
    "MetricsScope",
    "MultiProductEbrReport",
    "MultiProductScope",
    "NotFoundInCacheError",
    "ProblemList",
    "ProductComparison",
    "ProductList",
    "ProductSummary",
    "Quality",
    "RateSummary",
    "Ref",
    "RejectReason",
    "ReportScope",
    "ReportTestRow",
    "SearchHit",
    "SearchResults",
    "ServiceStateError",
    "Settings",
    "SyncHistory",
    "SyncInProgressError",
    "SyncProgress",
    "SyncResult",
    "TestDetail",
    "TestList",
    "TestStatusReport",
    "TestSummary",
    "TestioError",
    "UserStoryList",
    "UserStorySummary",
    "__version__",
    "open",
    "to_jsonable",
]
