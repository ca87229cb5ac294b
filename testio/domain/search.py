"""Results of a full-text search over the cache."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from testio.domain.common import DataWarning, Ref

SearchKind = Literal["test", "bug", "feature", "user_story"]
SEARCH_KINDS: tuple[SearchKind, ...] = ("test", "bug", "feature", "user_story")


@attrs.frozen
class SearchHit:
    """One match: what it is (its id is that kind's id), a snippet with the matched words in
    [brackets], and its bm25 score (higher is better)."""

    kind: SearchKind
    id: int
    title: str
    product: Ref
    snippet: str
    score: float


@attrs.frozen
class SearchResults:
    """The best matches of a query, best first; `match` is the FTS5 query that ran.

    Ranking is bounded: in a kind with more than 2,000 matches only the newest 2,000 are
    ranked, and `capped_kinds` names those kinds (a narrower query ranks them all).
    """

    query: str
    match: str
    kinds: tuple[SearchKind, ...]
    product_id: int | None
    hits: tuple[SearchHit, ...]
    limit: int
    capped_kinds: tuple[SearchKind, ...]
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()
