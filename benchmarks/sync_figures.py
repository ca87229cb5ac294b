"""The sync figures: time, requests against their bound, peak RSS and cache size."""

from __future__ import annotations

import os
from collections.abc import Sequence

from benchmarks.measure import median
from benchmarks.sync_runs import SyncRun
from benchmarks.table import Figure
from benchmarks.truth import Account, describe_counters, endpoint_groups, request_bound
from benchmarks.workspace import bug_rows, database_bytes

FULL = "full sync, 0 ms latency"
REQUESTS = "requests of a full sync"
RSS_MEDIUM = "peak RSS of a full sync, medium"
CACHE_SIZE = "cache size on disk"
INCREMENTAL = "incremental sync, nothing new"
INCREMENTAL_REQUESTS = "requests of an incremental sync"
LATENCY = "full sync, 100 ms latency"
RSS_LARGE = "peak RSS of a full sync, large"

FULL_FIGURES = (FULL, REQUESTS, RSS_MEDIUM, CACHE_SIZE)
INCREMENTAL_FIGURES = (INCREMENTAL, INCREMENTAL_REQUESTS)


def page_size() -> int:
    """The client's tests per page, as the `testio` children will read it."""
    return int(os.environ.get("TESTIO_PAGE_SIZE") or 25)


def _spread(walls: Sequence[float]) -> str:
    return f"min {min(walls):.2f} s, max {max(walls):.2f} s"


def full_figures(runs: Sequence[SyncRun], account: Account) -> list[Figure]:
    """Time, requests, peak RSS and cache size of full syncs into fresh databases."""
    walls = [r.run.wall_s for r in runs]
    database = runs[0].database
    size = database_bytes(database)
    rows = bug_rows(database)
    return [
        Figure(
            FULL,
            median(walls),
            "s",
            3.0,
            f"median of {len(runs)} runs of the whole `testio sync` process ({_spread(walls)})",
        ),
        requests_figure(runs, account),
        Figure(
            RSS_MEDIUM,
            max(r.run.peak_rss_mb for r in runs),
            "MB",
            150.0,
            f"highest of {len(runs)} runs (ru_maxrss from os.wait4 in benchmarks/launcher.py)",
        ),
        Figure(
            CACHE_SIZE,
            size / max(1, rows),
            "B/bug",
            1536.0,
            f"{size / 1e6:.2f} MB (file + -wal after the sync exited) / {rows:,} cached bugs "
            f"({account.bugs:,} in the sandbox)",
        ),
    ]


def requests_figure(runs: Sequence[SyncRun], account: Account) -> Figure:
    """Requests of the first full sync against the bound computed from the ground truth."""
    bound = request_bound(account, page_size())
    counts = runs[0].counters
    groups = endpoint_groups(counts)
    totals = sorted(r.requests for r in runs)
    spread = "" if totals[0] == totals[-1] else f"; all runs {totals[0]}–{totals[-1]}"
    return Figure(
        REQUESTS,
        runs[0].requests,
        "requests",
        bound.total,
        f"first run: {describe_counters(counts)}{spread}. By kind (actual / bound): "
        f"products {groups['products']} / {bound.products}, features {groups['features']} / "
        f"{bound.features}, user stories {groups['user stories']} / {bound.user_stories}, "
        f"test pages {groups['test pages']} / "
        f"{bound.test_pages + bound.recovery} (of which {bound.recovery} to recover "
        f"{bound.poisoned_windows} poisoned windows), bugs {groups['bugs']} / "
        f"{bound.bug_batches}; {bound.describe()}",
    )


def incremental_figures(runs: Sequence[SyncRun], account: Account) -> list[Figure]:
    """Time and requests of syncs that find nothing new."""
    walls = [r.run.wall_s for r in runs]
    worst = max(runs, key=lambda r: r.requests)
    products = len(account.products)
    return [
        Figure(
            INCREMENTAL,
            median(walls),
            "s",
            1.0,
            f"median of {len(runs)} runs of `testio sync` on the synced cache ({_spread(walls)})",
        ),
        Figure(
            INCREMENTAL_REQUESTS,
            worst.requests,
            "requests",
            1 + products,
            f"most of {len(runs)} runs: {describe_counters(worst.counters)}; "
            f"bound 1 + {products} products",
        ),
    ]


def latency_figure(runs: Sequence[SyncRun]) -> Figure:
    """Time of full syncs with 100 ms added to every request."""
    walls = [r.run.wall_s for r in runs]
    return Figure(
        LATENCY,
        median(walls),
        "s",
        4.0,
        f"median of {len(runs)} runs ({_spread(walls)}), {runs[0].requests} requests",
    )


def large_figure(run: SyncRun, account: Account) -> Figure:
    """Peak RSS of the one large sync, with its time, requests and cache size alongside."""
    rows = bug_rows(run.database)
    bound = request_bound(account, page_size())
    return Figure(
        RSS_LARGE,
        run.run.peak_rss_mb,
        "MB",
        300.0,
        f"one run; it took {run.run.wall_s:.1f} s and {run.requests:,} requests "
        f"({describe_counters(run.counters)}; {bound.describe()}); cache "
        f"{database_bytes(run.database) / max(1, rows):,.0f} B/bug over {rows:,} bugs",
    )
