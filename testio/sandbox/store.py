"""The sandbox's data at run time: the dataset, upstream changes, lookups and lazy bug caches."""

from __future__ import annotations

import bisect
import threading
from datetime import datetime, timedelta

import attrs

from testio.sandbox.bugs import TesterPool, fresh_bugs, generate_bugs, generate_cores
from testio.sandbox.cache import LruCache
from testio.sandbox.dataset import Dataset
from testio.sandbox.details import TestDetail, build_detail
from testio.sandbox.errors import Forbidden, NotFound
from testio.sandbox.records import Account, Bug, BugCore, Product, TestFacts

HOUR = timedelta(hours=1)


def list_order(test: TestFacts) -> tuple[int, float, int]:
    """Sort key of a test list: end_at descending with drafts first, then id descending."""
    if test.end_at is None:
        return (0, 0.0, -test.id)
    return (1, -test.end_at.timestamp(), -test.id)


class Store:
    """Holds the dataset plus tests and bugs added or deleted upstream while running."""

    def __init__(self, dataset: Dataset, seed: int) -> None:
        self.dataset = dataset
        self.seed = seed
        self.accounts: tuple[Account, ...] = dataset.accounts
        self.products: dict[int, Product] = dict(dataset.products)
        self.tests: dict[int, TestFacts] = {t.id: t for t in dataset.tests}
        self._order: dict[int, list[TestFacts]] = {pid: [] for pid in self.products}
        for test in sorted(dataset.tests, key=list_order):
            self._order[test.product_id].append(test)
        blocks = sorted(
            (t.bug_id_start, t.id)
            for t in dataset.tests
            if t.bug_count and t.id not in dataset.bugs
        )
        self._block_starts = [start for start, _ in blocks]
        self._block_tests = [test_id for _, test_id in blocks]
        self._listed: dict[int, list[Bug]] = {tid: list(bugs) for tid, bugs in dataset.bugs.items()}
        self._listed_owner = {b.core.id: tid for tid, bugs in dataset.bugs.items() for b in bugs}
        self._deleted: dict[int, set[int]] = {}
        self._pools = {a.index: TesterPool(a.testers) for a in self.accounts}
        self._cores: LruCache[int, tuple[BugCore, ...]] = LruCache(16_384)
        self._bugs: LruCache[int, tuple[Bug, ...]] = LruCache(4_096)
        self._details: LruCache[int, TestDetail] = LruCache(4_096)
        self._lock = threading.Lock()
        all_bug_ids = list(self._listed_owner) + [
            t.bug_id_start + t.bug_count for t in dataset.tests
        ]
        self._next_test_id = max([t.id for t in dataset.tests] + [89_999]) + 7
        self._next_bug_id = max([*all_bug_ids, 1_999_999]) + 3
        tf_ends = [t.test_feature_id_start + len(t.feature_ids) for t in dataset.tests]
        self._next_test_feature_id = max([*tf_ends, 1_039_999]) + 2

    # -- ownership -------------------------------------------------------------------------

    def account(self, index: int) -> Account:
        """Return an account by index."""
        return self.accounts[index]

    def product_for(self, account: Account, product_id: int) -> Product:
        """Return an account's product; 404 if unknown, 403 if another account's."""
        product = self.products.get(product_id)
        if product is None:
            raise NotFound(f"No product {product_id}.")
        if product.account != account.index:
            raise Forbidden(f"Product {product_id} belongs to another account.")
        return product

    def test_for(self, account: Account, test_id: int) -> TestFacts:
        """Return an account's test; 404 if unknown, 403 if another account's."""
        test = self.tests.get(test_id)
        if test is None:
            raise NotFound(f"No test {test_id}.")
        if self.products[test.product_id].account != account.index:
            raise Forbidden(f"Test {test_id} belongs to another account.")
        return test

    def bug_for(self, account: Account, bug_id: int) -> tuple[TestFacts, Bug]:
        """Return an account's bug with its test; 404 if unknown, 403 if another account's."""
        found = self.find_bug(bug_id)
        if found is None:
            raise NotFound(f"No bug {bug_id}.")
        test, bug = found
        if self.products[test.product_id].account != account.index:
            raise Forbidden(f"Bug {bug_id} belongs to another account.")
        return test, bug

    # -- reads -----------------------------------------------------------------------------

    def ordered_tests(self, product_id: int) -> list[TestFacts]:
        """Return a product's tests in list order (end_at descending, drafts first)."""
        return self._order[product_id]

    def product_of(self, test: TestFacts) -> Product:
        """Return the product a test belongs to."""
        return self.products[test.product_id]

    def account_of(self, test: TestFacts) -> Account:
        """Return the account a test belongs to."""
        return self.accounts[self.products[test.product_id].account]

    def bug_count(self, test: TestFacts) -> int:
        """Return how many bugs a test has, counting every reported instant."""
        listed = len(self._listed.get(test.id, ()))
        generated = test.bug_count if test.id not in self.dataset.bugs else 0
        return generated + listed - len(self._deleted.get(test.id, ()))

    def cores(self, test: TestFacts) -> tuple[BugCore, ...]:
        """Return the status-deciding facts of a test's bugs."""
        return self._cores.get_or_make(test.id, lambda: self._make_cores(test))

    def bugs(self, test: TestFacts) -> tuple[Bug, ...]:
        """Return a test's bugs, generating them on first use."""
        return self._bugs.get_or_make(test.id, lambda: self._make_bugs(test))

    def detail(self, test: TestFacts) -> TestDetail:
        """Return the descriptive parts of a test."""
        return self._details.get_or_make(test.id, lambda: self._make_detail(test))

    def find_bug(self, bug_id: int) -> tuple[TestFacts, Bug] | None:
        """Find a bug and its test by id."""
        test_id = self._listed_owner.get(bug_id)
        if test_id is None:
            index = bisect.bisect_right(self._block_starts, bug_id) - 1
            if index < 0:
                return None
            candidate = self.tests[self._block_tests[index]]
            if bug_id >= candidate.bug_id_start + candidate.bug_count:
                return None
            test_id = candidate.id
        test = self.tests[test_id]
        if bug_id in self._deleted.get(test_id, ()):
            return None
        for bug in self.bugs(test):
            if bug.core.id == bug_id:
                return test, bug
        return None

    def _generated(self, test: TestFacts) -> tuple[BugCore, ...]:
        """Generate the cores of a test's generated bug block."""
        if test.id in self.dataset.bugs:
            return ()
        return generate_cores(
            self.seed, test, self.products[test.product_id].connection is not None
        )

    def _make_cores(self, test: TestFacts) -> tuple[BugCore, ...]:
        """Collect generated and listed cores, without deleted ones."""
        deleted = self._deleted.get(test.id, set())
        listed = tuple(b.core for b in self._listed.get(test.id, ()))
        return tuple(c for c in self._generated(test) + listed if c.id not in deleted)

    def _make_bugs(self, test: TestFacts) -> tuple[Bug, ...]:
        """Dress the generated cores and add the listed bugs, without deleted ones."""
        account = self.account_of(test)
        product = self.products[test.product_id]
        generated = generate_bugs(
            self.seed,
            test,
            product,
            self._generated(test),
            self._pools[account.index],
            account.customer_users,
        )
        deleted = self._deleted.get(test.id, set())
        return tuple(
            b for b in generated + tuple(self._listed.get(test.id, ())) if b.core.id not in deleted
        )

    def _make_detail(self, test: TestFacts) -> TestDetail:
        """Generate the descriptive parts of a test."""
        account = self.account_of(test)
        product = self.products[test.product_id]
        return build_detail(
            self.seed,
            test,
            product,
            self.dataset.features,
            self.dataset.stories,
            account.customer_users,
        )

    # -- upstream changes ------------------------------------------------------------------

    def add_test(
        self, product_id: int, bugs: int, end_at: datetime, status: str | None, now: datetime
    ) -> TestFacts:
        """Append a new test with generated bugs, as if created upstream."""
        with self._lock:
            product = self.products[product_id]
            test_id, self._next_test_id = self._next_test_id, self._next_test_id + 7
            bug_start, self._next_bug_id = self._next_bug_id, self._next_bug_id + bugs + 3
            features = product.feature_ids[:2]
            tf_start, self._next_test_feature_id = (
                self._next_test_feature_id,
                self._next_test_feature_id + 4,
            )
            start_at = end_at - 28 * HOUR
            test = TestFacts(
                id=test_id,
                product_id=product_id,
                section_id=(product.sections or product.sections_with_default)[0].id,
                title=f"Sandbox test {test_id}",
                testing_type="coverage",
                start_at=start_at,
                end_at=end_at,
                created_at=min(start_at - 24 * HOUR, now),
                finalized_at=start_at - 48 * HOUR,
                approved_at=start_at - 24 * HOUR,
                archive_at=end_at + timedelta(days=35),
                fixed_status=status,
                fixed_review_status="review_successful" if status is not None else None,
                feature_ids=features,
                test_feature_id_start=tf_start,
                environment_id=product.environment_ids[0] if product.environment_ids else None,
                bug_id_start=bug_start,
                bug_count=bugs,
            )
            self.tests[test_id] = test
            if bugs:
                self._block_starts.append(bug_start)
                self._block_tests.append(test_id)
            self._order[product_id] = sorted([*self._order[product_id], test], key=list_order)
            return test

    def rename_test(self, test_id: int, title: str) -> None:
        """Give a test a new title, as if its customer edited it."""
        with self._lock:
            test = attrs.evolve(self.tests[test_id], title=title)
            self.tests[test_id] = test
            order = self._order[test.product_id]
            order[:] = [test if t.id == test_id else t for t in order]
            self._details.discard(test_id)

    def add_bugs(self, test_id: int, count: int, now: datetime) -> list[int]:
        """Report new bugs on a test, as if testers had just filed them."""
        with self._lock:
            test = self.tests[test_id]
            ids = [self._next_bug_id + i for i in range(count)]
            self._next_bug_id += count + 3
            account = self.account_of(test)
            made = fresh_bugs(
                self.seed,
                test,
                self.products[test.product_id],
                ids,
                now,
                self._pools[account.index],
                account.customer_users,
            )
            self._listed[test_id] = [*self._listed.get(test_id, ()), *made]
            for bug_id in ids:
                self._listed_owner[bug_id] = test_id
            self._forget(test_id)
            return ids

    def delete_bug(self, bug_id: int) -> None:
        """Delete a bug upstream; later reads no longer return it."""
        with self._lock:
            found = self.find_bug(bug_id)
            if found is None:
                raise KeyError(f"No bug {bug_id} to delete.")
            test = found[0]
            self._deleted.setdefault(test.id, set()).add(bug_id)
            self._forget(test.id)

    def _forget(self, test_id: int) -> None:
        """Drop the cached bugs of a test after a change."""
        self._cores.discard(test_id)
        self._bugs.discard(test_id)
