"""Search: ranked full-text matches over the cached tests, bugs, features and user stories."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from testio.domain.common import DataWarning, Ref
from testio.domain.search import SEARCH_KINDS, SearchHit, SearchKind, SearchResults
from testio.errors import InvalidArgumentError, NotFoundInCacheError
from testio.repositories.search import SearchRepository
from testio.services.base import BaseService

Syntax = Literal["words", "fts5"]
MAX_LIMIT: Final = 100
_WORD = re.compile(r"\w+\*?")


def words_query(query: str) -> str:
    """Every word of `query` must appear (a trailing * matches any ending); nothing else is
    syntax, so any text is a valid query."""
    words = _WORD.findall(query)
    if not words:
        raise InvalidArgumentError(
            f"The search {query[:80]!r} has no words to look for; give at least one word."
        )
    return " ".join(f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"' for w in dict.fromkeys(words))


class SearchService(BaseService):
    """Searches the cache's full-text index (kept current by every sync)."""

    _search: SearchRepository | None = None

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        self._search = SearchRepository(session)

    def _close_repositories(self) -> None:
        super()._close_repositories()
        self._search = None

    @property
    def index(self) -> SearchRepository:
        """The full-text queries on the open session."""
        if self._search is None:
            raise self._not_open()
        return self._search

    async def search(
        self,
        query: str,
        *,
        kinds: Sequence[SearchKind] | None = None,
        product_id: int | None = None,
        limit: int = 20,
        syntax: Syntax = "words",
    ) -> SearchResults:
        """The best matches of `query`, best first (bm25), each with a snippet.

        `syntax="words"` finds what has every word; `"fts5"` takes SQLite's FTS5 query
        syntax (phrases in double quotes, AND/OR/NOT, NEAR, prefix*), and a query it cannot
        read is an `InvalidArgumentError`.
        """
        if syntax not in ("words", "fts5"):
            raise InvalidArgumentError(f"Unknown syntax {syntax!r}; use words or fts5.")
        chosen: tuple[SearchKind, ...] = tuple(
            k for k in SEARCH_KINDS if kinds is None or k in kinds
        )
        unknown = sorted(set(kinds or ()) - set(SEARCH_KINDS))
        if unknown:
            raise InvalidArgumentError(
                f"Unknown kind {unknown[0]!r}; use one of {', '.join(SEARCH_KINDS)}."
            )
        if not query.strip():
            raise InvalidArgumentError("The search query is empty; give at least one word.")
        products = {p.id: p for p in await self.repos.products.list_all()}
        if product_id is not None and product_id not in products:
            raise NotFoundInCacheError(
                f"No product {product_id} in the cache; call list_products to see the products."
            )
        match = words_query(query) if syntax == "words" else query
        limit = min(max(limit, 1), MAX_LIMIT)
        outcome = await self.index.search(match, kinds=chosen, product_id=product_id, limit=limit)
        last = await self.repos.sync_events.last_success()
        warnings: list[DataWarning] = []
        if last is None:
            warnings.append(
                DataWarning(
                    kind="never_synced",
                    message="The cache has not been synced yet, so there is nothing to search; "
                    "run sync_data.",
                )
            )
        return SearchResults(
            query=query,
            match=match,
            kinds=chosen,
            product_id=product_id,
            hits=tuple(
                SearchHit(
                    kind=m.kind,  # pyright: ignore[reportArgumentType]  # the index's kinds are SEARCH_KINDS
                    id=m.id,
                    title=m.title,
                    product=Ref(
                        m.product_id,
                        products[m.product_id].name
                        if m.product_id in products
                        else f"Product {m.product_id}",
                    ),
                    snippet=m.snippet,
                    score=round(-m.score, 4),
                )
                for m in outcome.matches
            ),
            capped_kinds=tuple(k for k in chosen if k in outcome.capped_kinds),
            limit=limit,
            data_as_of=last.ended_at if last is not None else None,
            warnings=tuple(warnings),
        )
