"""The simulator's state: data, clock, triage, faults and request counters."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from testio.sandbox.config import Faults, SandboxConfig
from testio.sandbox.errors import NotFound, Unauthorized
from testio.sandbox.generator import generate_dataset
from testio.sandbox.lifecycle import BugState, bug_state, bug_visible, test_exists, test_status
from testio.sandbox.records import Account, BugCore, Product, TestFacts
from testio.sandbox.store import Store
from testio.sandbox.triage import TriageLedger
from testio.sandbox.truth import build_ground_truth


class Sandbox:
    """One simulated TestIO installation; `create_app` serves it over HTTP."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.dataset = self.config.dataset or generate_dataset(self.config.seed, self.config.size)
        self.store = Store(self.dataset, self.config.seed)
        self.ledger = TriageLedger()
        self.anchor = self.dataset.anchor
        tokens = [a.token for a in self.dataset.accounts]
        if self.config.token is not None:
            tokens[0] = self.config.token
        self.tokens: list[str] = tokens
        self._by_token = {token: index for index, token in enumerate(tokens)}
        self._now = self.config.now
        self._faults = self.config.faults
        self._counters: Counter[str] = Counter()
        self._counter_lock = threading.Lock()
        self._story_products = {
            story_id: product.id
            for product in self.dataset.products.values()
            for feature_id in product.feature_ids
            for story_id in self.dataset.features[feature_id].story_ids
        }

    # -- clock, faults and counters --------------------------------------------------------

    def now(self) -> datetime:
        """Return the simulated "now": the configured instant or the real clock."""
        return self._now if self._now is not None else datetime.now(UTC)

    def set_now(self, now: datetime | None) -> None:
        """Pin the clock to an aware instant, or follow the real clock again with None."""
        if now is not None and now.tzinfo is None:
            raise ValueError("The sandbox clock needs a timezone-aware instant.")
        self._now = now

    @property
    def faults(self) -> Faults:
        """Return the fault switches in force."""
        return self._faults

    def set_faults(self, faults: Faults) -> None:
        """Replace the fault switches."""
        self._faults = faults

    def count(self, key: str) -> None:
        """Count one request to an endpoint."""
        with self._counter_lock:
            self._counters[key] += 1

    def counters(self) -> dict[str, int]:
        """Return the request count per endpoint key, such as "GET /bugs"."""
        with self._counter_lock:
            return dict(sorted(self._counters.items()))

    def reset_counters(self) -> None:
        """Set every request counter back to zero."""
        with self._counter_lock:
            self._counters.clear()

    # -- access ----------------------------------------------------------------------------

    def authenticate(self, header: str | None) -> Account:
        """Return the account of an `Authorization: Token …` header; 401 otherwise."""
        if not header:
            raise Unauthorized("Unauthorized")
        scheme, _, credentials = header.strip().partition(" ")
        index = self._by_token.get(credentials.strip())
        if scheme.lower() != "token" or index is None:
            raise Unauthorized("Unauthorized")
        return self.store.account(index)

    def story_product(self, story_id: int) -> Product:
        """Return the product owning a user story; 404 if there is none."""
        product_id = self._story_products.get(story_id)
        if product_id is None:
            raise NotFound(f"No user story {story_id}.")
        return self.store.products[product_id]

    # -- time-dependent reads --------------------------------------------------------------

    def visible_tests(self, product: Product, now: datetime) -> list[TestFacts]:
        """Return the product's tests that exist at `now`, in list order."""
        return [t for t in self.store.ordered_tests(product.id) if test_exists(t, now)]

    def status_of(self, test: TestFacts, now: datetime) -> str:
        """Return a test's status at `now`."""
        return test_status(test, now, self.store.bug_count(test) > 0)

    def state_of(self, test: TestFacts, core: BugCore, now: datetime) -> BugState:
        """Return a bug's status and flags at `now`."""
        return bug_state(core, test, now, self.ledger.get(core.id))

    def bug_rows(self, test: TestFacts, now: datetime) -> list[tuple[BugCore, BugState]]:
        """Return the bugs of a test reported by `now`, with their states."""
        if not test_exists(test, now):
            return []
        return [
            (c, self.state_of(test, c, now)) for c in self.store.cores(test) if bug_visible(c, now)
        ]

    # -- writes ----------------------------------------------------------------------------

    def triage(
        self,
        account: Account,
        bug_id: int,
        action: str,
        *,
        reason: str | None = None,
        comment: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Apply a triage action of a customer to one of their bugs, at `now` (default: the clock)."""
        now = now or self.now()
        test, bug = self.store.bug_for(account, bug_id)
        if not bug_visible(bug.core, now):
            raise NotFound(f"No bug {bug_id}.")
        author = account.customer_users[0] if account.customer_users else "Customer"
        state = self.state_of(test, bug.core, now)
        self.ledger.apply(bug_id, action, state, now, reason=reason, comment=comment, author=author)

    def add_test(
        self,
        product_id: int,
        *,
        bugs: int,
        end_at: datetime | None = None,
        status: str | None = None,
    ) -> int:
        """Append a new test with generated bugs, as if created upstream; return its id."""
        if product_id not in self.store.products:
            raise KeyError(f"No product {product_id}; pick one from ground_truth().")
        now = self.now()
        test = self.store.add_test(
            product_id, bugs, end_at or now.replace(microsecond=0), status, now
        )
        return test.id

    def rename_test(self, test_id: int, title: str) -> None:
        """Give a test a new title upstream, as if its customer edited it."""
        if test_id not in self.store.tests:
            raise KeyError(f"No test {test_id}; pick one from ground_truth().")
        self.store.rename_test(test_id, title)

    def add_bugs(self, test_id: int, count: int) -> list[int]:
        """Report new bugs on a test, as if testers had just filed them; return their ids."""
        if test_id not in self.store.tests:
            raise KeyError(f"No test {test_id}; pick one from ground_truth().")
        return self.store.add_bugs(test_id, count, self.now())

    def delete_bug(self, bug_id: int) -> None:
        """Delete a bug upstream; later reads no longer return it."""
        self.store.delete_bug(bug_id)

    def ground_truth(self) -> dict[str, Any]:
        """Export what every account holds at "now", to compute expected report numbers."""
        return build_ground_truth(self, self.now())
