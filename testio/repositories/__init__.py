"""Repositories: SQL only (no HTTP, no commit, no policy), one per table or area.

Each takes the `AsyncSession` of the service that owns it; writes are batched.
"""

from __future__ import annotations

import attrs
from sqlalchemy.ext.asyncio import AsyncSession

from testio.repositories.bugs import BugRepository, BugStatusCount
from testio.repositories.features import FeatureRepository
from testio.repositories.problems import NewProblem, ProblemRepository, problem_key
from testio.repositories.products import ProductListing, ProductRepository
from testio.repositories.stats import CacheCounts, ProductCounts, StatsRepository
from testio.repositories.sync_events import SyncEventCounts, SyncEventRepository
from testio.repositories.tests import BugFetchDue, TestListPage, TestRepository, TestWriteCounts
from testio.repositories.user_stories import UserStoryRepository

__all__ = [
    "BugFetchDue",
    "BugRepository",
    "BugStatusCount",
    "CacheCounts",
    "FeatureRepository",
    "NewProblem",
    "ProblemRepository",
    "ProductCounts",
    "ProductListing",
    "ProductRepository",
    "Repositories",
    "StatsRepository",
    "SyncEventCounts",
    "SyncEventRepository",
    "TestListPage",
    "TestRepository",
    "TestWriteCounts",
    "UserStoryRepository",
    "problem_key",
]


@attrs.frozen
class Repositories:
    """Every repository, on one session."""

    products: ProductRepository
    features: FeatureRepository
    tests: TestRepository
    bugs: BugRepository
    sync_events: SyncEventRepository
    problems: ProblemRepository
    stats: StatsRepository
    user_stories: UserStoryRepository

    @classmethod
    def on(cls, session: AsyncSession) -> Repositories:
        """All repositories bound to `session`."""
        return cls(
            products=ProductRepository(session),
            features=FeatureRepository(session),
            tests=TestRepository(session),
            bugs=BugRepository(session),
            sync_events=SyncEventRepository(session),
            problems=ProblemRepository(session),
            stats=StatsRepository(session),
            user_stories=UserStoryRepository(session),
        )
