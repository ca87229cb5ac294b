"""Reads of bugs: batches by test, one bug, and search by tracker key."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import attrs

from testio.sandbox.cache import LruCache
from testio.sandbox.documents import BugFragments, bug_fragments, external_idx, render_bug
from testio.sandbox.errors import BadRequest, GatewayTimeout, NotFound, ServerError
from testio.sandbox.lifecycle import BugState, bug_comments, bug_visible, test_exists
from testio.sandbox.records import Account, Bug, BugCore, TestFacts
from testio.sandbox.sandbox import Sandbox

EXPORT_STATUSES = ("export_requested", "not_exported", "exported")


@attrs.frozen
class BugQuery:
    """The filters of `GET bugs`; None means the filter was not given."""

    test_ids: tuple[int, ...] | None = None
    product_ids: tuple[int, ...] | None = None
    section_ids: tuple[int, ...] | None = None
    export_status: str | None = None


class BugView:
    """Renders bugs at an instant, caching the unchanging parts per test."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._fragments: LruCache[int, tuple[tuple[Bug, ...], dict[int, BugFragments]]] = LruCache(
            4_096
        )

    def _fragments_of(self, test: TestFacts) -> dict[int, BugFragments]:
        """Return the pre-rendered parts of a test's bugs, by bug id."""
        bugs = self._sandbox.store.bugs(test)
        cached = self._fragments.get_or_make(
            test.id, lambda: (bugs, self._make_fragments(test, bugs))
        )
        if cached[0] is not bugs:
            self._fragments.discard(test.id)
            cached = self._fragments.get_or_make(
                test.id, lambda: (bugs, self._make_fragments(test, bugs))
            )
        return cached[1]

    def _make_fragments(self, test: TestFacts, bugs: tuple[Bug, ...]) -> dict[int, BugFragments]:
        """Pre-render every bug of a test."""
        store = self._sandbox.store
        product = store.product_of(test)
        features, stories = store.dataset.features, store.dataset.stories
        return {b.core.id: bug_fragments(b, test, product, features, stories) for b in bugs}

    def document(self, test: TestFacts, bug: Bug, state: BugState, now: datetime) -> str:
        """Render one bug as JSON at `now`."""
        fragments = self._fragments_of(test)[bug.core.id]
        product = self._sandbox.store.product_of(test)
        comments = bug_comments(bug.core, bug.body, now, self._sandbox.ledger.get(bug.core.id))
        key = external_idx(product, bug.core.id, state.exported_at)
        return render_bug(
            fragments, state, key, comments, self._sandbox.config.profile == "staging"
        )

    def _render_rows(
        self, rows: list[tuple[TestFacts, BugCore, BugState]], now: datetime
    ) -> list[str]:
        """Render bugs of several tests, ordered by reported_at then id."""
        rows.sort(key=lambda row: (row[1].reported_at, row[1].id))
        by_test: dict[int, dict[int, Bug]] = {}
        parts: list[str] = []
        for test, core, state in rows:
            bugs = by_test.get(test.id)
            if bugs is None:
                bugs = by_test[test.id] = {b.core.id: b for b in self._sandbox.store.bugs(test)}
            parts.append(self.document(test, bugs[core.id], state, now))
        return parts

    def batch(self, account: Account, query: BugQuery, now: datetime) -> str:
        """Render `GET bugs`: 524 when the batch is too heavy, unless it names a single test."""
        sandbox = self._sandbox
        config = sandbox.config
        single = query.test_ids is not None and len(set(query.test_ids)) == 1
        if (
            query.test_ids is not None
            and len(query.test_ids) > config.bug_batch_max_ids
            and not single
        ):
            raise GatewayTimeout("Too many test ids in one bug batch.")
        if query.test_ids is not None and sandbox.faults.fail_bug_batches_for.intersection(
            query.test_ids
        ):
            raise ServerError("Internal Server Error")
        if query.export_status is not None and query.export_status not in EXPORT_STATUSES:
            raise BadRequest(
                f"Unknown export_status {query.export_status!r}; use one of {', '.join(EXPORT_STATUSES)}."
            )
        rows: list[tuple[TestFacts, BugCore, BugState]] = []
        for test in self._tests(account, query, now):
            for core, state in sandbox.bug_rows(test, now):
                if _exported_as(core, state, query.export_status):
                    rows.append((test, core, state))
            if len(rows) > config.bug_batch_budget and not single:
                raise GatewayTimeout("Too many bugs in one bug batch.")
        parts = self._render_rows(rows, now)
        return f'{{"bugs":[{",".join(parts)}],"meta":{{"record_count":{len(parts)}}}}}'

    def _tests(self, account: Account, query: BugQuery, now: datetime) -> Iterable[TestFacts]:
        """Select the account's tests a bug query covers; unknown and foreign ids are skipped."""
        store = self._sandbox.store
        if query.test_ids is not None:
            seen: set[int] = set()
            candidates: list[TestFacts] = []
            for test_id in query.test_ids:
                test = store.tests.get(test_id)
                if (
                    test is None
                    or test_id in seen
                    or store.product_of(test).account != account.index
                ):
                    continue
                seen.add(test_id)
                candidates.append(test)
        else:
            candidates = [t for pid in account.product_ids for t in store.ordered_tests(pid)]
        products = None if query.product_ids is None else set(query.product_ids)
        sections = None if query.section_ids is None else set(query.section_ids)
        for test in candidates:
            if products is not None and test.product_id not in products:
                continue
            if sections is not None and test.section_id not in sections:
                continue
            if test_exists(test, now):
                yield test

    def one(self, account: Account, bug_id: int, now: datetime) -> str:
        """Render `GET bugs/{id}`."""
        test, bug = self._sandbox.store.bug_for(account, bug_id)
        if not bug_visible(bug.core, now) or not test_exists(test, now):
            raise NotFound(f"No bug {bug_id}.")
        state = self._sandbox.state_of(test, bug.core, now)
        return f'{{"bug":{self.document(test, bug, state, now)}}}'

    def search(self, account: Account, key: str, now: datetime) -> str:
        """Render `POST bugs`: the bugs whose tracker key matches exactly."""
        match = re.fullmatch(r"[A-Z]+-(\d+)", key.strip())
        rows: list[tuple[TestFacts, BugCore, BugState]] = []
        found = self._sandbox.store.find_bug(int(match.group(1))) if match else None
        if found is not None:
            test, bug = found
            product = self._sandbox.store.product_of(test)
            if product.account == account.index and bug_visible(bug.core, now):
                state = self._sandbox.state_of(test, bug.core, now)
                if external_idx(product, bug.core.id, state.exported_at) == key:
                    rows.append((test, bug.core, state))
        return f'{{"bugs":[{",".join(self._render_rows(rows, now))}]}}'


def _exported_as(core: BugCore, state: BugState, export_status: str | None) -> bool:
    """Apply the `export_status` filter."""
    if export_status is None:
        return True
    if export_status == "exported":
        return state.exported_at is not None
    requested = core.export_requested and state.exported_at is None
    return (
        requested
        if export_status == "export_requested"
        else not requested and state.exported_at is None
    )
