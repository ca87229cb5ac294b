"""Full-text search over the cache: ranked matches with snippets, from the SQLite FTS5 index.

The index (`testio.cache.search_index`) exists only in a SQLite cache; on any other database
`search` raises `SearchUnavailableError`, so another engine can bring its own implementation.
Each kind has its own FTS table: the best `limit` matches of each are found by bm25 rank
first, and only those get a snippet, then the kinds are merged by score (the tables share
one tokenizer and scoring, though their scores are not calibrated against each other).

Ranking costs time in proportion to the matches, so a word found in a hundred thousand bugs
would take far longer than an answer should: when more than `RANKED` items of a kind match,
only the newest `RANKED` of them (by id, which grows with time) are ranked, and the result
says which kinds were cut so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.search_index import INDEXED, IndexedTable
from testio.errors import InvalidArgumentError, TestioError

KINDS: Final[tuple[str, ...]] = tuple(i.kind for i in INDEXED)
RANKED: Final = 2000
"""The most matches of one kind that are ranked (the newest ones)."""
SNIPPET_TOKENS: Final = 12
MARK: Final = ("[", "]")
"""How a snippet marks the matched words."""


class SearchUnavailableError(TestioError):
    """The cache's database has no full-text index (search needs the SQLite cache)."""


class SearchQueryError(InvalidArgumentError):
    """The query is not valid FTS5 syntax."""


@attrs.frozen
class SearchMatch:
    """One matching row: what it is, where it belongs, its title, a snippet and its bm25 score
    (lower is better)."""

    kind: str
    id: int
    product_id: int
    title: str
    snippet: str
    score: float


@attrs.frozen
class SearchOutcome:
    """The best matches, and the kinds with more than `RANKED` matches (only the newest of
    those were ranked)."""

    matches: tuple[SearchMatch, ...]
    capped_kinds: tuple[str, ...]


def _cutoff_sql(index: IndexedTable) -> str:
    """The id of the `RANKED`-th newest match (none when fewer match)."""
    return (
        f"SELECT rowid FROM {index.fts} WHERE {index.fts} MATCH :q "
        f"ORDER BY rowid DESC LIMIT 1 OFFSET {RANKED - 1}"
    )


def _ranked_sql(index: IndexedTable) -> str:
    # The product column only filters: weight 0, so it does not move the ranking.
    weights = ", ".join(["1.0"] * len(index.text_columns) + ["0.0"])
    return (
        f"SELECT rowid, bm25({index.fts}, {weights}) AS score FROM {index.fts} "
        f"WHERE {index.fts} MATCH :q AND rowid >= :cutoff ORDER BY score LIMIT :n"
    )


def _snippet_sql(index: IndexedTable, count: int) -> str:
    ids = ", ".join(f":id{i}" for i in range(count))
    return (
        f"SELECT f.rowid, c.product_id, c.title, "
        f"snippet({index.fts}, -1, '{MARK[0]}', '{MARK[1]}', '…', {SNIPPET_TOKENS}) "
        f"FROM {index.fts} AS f JOIN {index.table} AS c ON c.id = f.rowid "
        f"WHERE {index.fts} MATCH :q AND f.rowid IN ({ids})"
    )


class SearchRepository:
    """Read-only full-text queries; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _require_index(self) -> None:
        if self.session.get_bind().dialect.name != "sqlite":
            raise SearchUnavailableError(
                "Search needs the SQLite cache (this cache is on another database); set "
                "TESTIO_DATABASE_URL to a SQLite file to use it."
            )

    async def search(
        self,
        query: str,
        *,
        kinds: Sequence[str] = KINDS,
        product_id: int | None = None,
        limit: int = 20,
    ) -> SearchOutcome:
        """The best `limit` matches of an FTS5 query over the chosen kinds, best first."""
        self._require_index()
        # The product is a term of the query (see search_index); snippets use the user's alone.
        scoped = query if product_id is None else f'({query}) AND product_id : "{product_id}"'
        found: list[SearchMatch] = []
        capped: list[str] = []
        for index in INDEXED:
            if index.kind in kinds:
                matches, cut = await self._one(index, query, scoped, limit)
                found += matches
                if cut:
                    capped.append(index.kind)
        found.sort(key=lambda m: (m.score, m.kind, m.id))
        return SearchOutcome(tuple(found[:limit]), tuple(capped))

    async def _one(
        self, index: IndexedTable, query: str, scoped: str, limit: int
    ) -> tuple[list[SearchMatch], bool]:
        try:
            cutoff = await self.session.scalar(text(_cutoff_sql(index)), {"q": scoped})
            ranked = list(
                await self.session.execute(
                    text(_ranked_sql(index)), {"q": scoped, "cutoff": cutoff or 0, "n": limit}
                )
            )
            if not ranked:
                return [], cutoff is not None
            scores = {int(rowid): float(score) for rowid, score in ranked}
            ids = {f"id{i}": rowid for i, rowid in enumerate(scores)}
            rows = await self.session.execute(
                text(_snippet_sql(index, len(ids))), {"q": query, **ids}
            )
        except OperationalError as exc:
            raise _query_error(query, exc) from None
        return [
            SearchMatch(
                kind=index.kind,
                id=int(rowid),
                product_id=int(pid),
                title=str(title),
                snippet=str(snippet or ""),
                score=scores[int(rowid)],
            )
            for rowid, pid, title, snippet in rows
        ], cutoff is not None


def _query_error(query: str, exc: OperationalError) -> SearchQueryError:
    """One sentence for a query FTS5 cannot read (its own message names the place)."""
    detail = str(exc.orig) if exc.orig is not None else str(exc)
    detail = detail.removeprefix("fts5: ").rstrip(".")
    return SearchQueryError(
        f"Cannot search for {query[:80]!r} ({detail}); use plain words, quote phrases in "
        'double quotes ("order button"), and write AND, OR, NOT between words.'
    )
