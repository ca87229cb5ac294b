"""Reads of tests: the paginated test list, one test, and test-case runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from testio.sandbox.cache import LruCache
from testio.sandbox.clock import stamp
from testio.sandbox.details import detail_rng
from testio.sandbox.documents import TestFragments, dumps, render_test, test_fragments
from testio.sandbox.errors import NotFound, ServerError
from testio.sandbox.lifecycle import review_status, reviews, test_exists
from testio.sandbox.records import Account, TestFacts
from testio.sandbox.sandbox import Sandbox

UNPAGINATED_LIMIT = 150


class CycleView:
    """Renders tests ("test cycles") at an instant, caching their unchanging parts."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._fragments: LruCache[int, TestFragments] = LruCache(8_192)

    def document(self, test: TestFacts, now: datetime) -> str:
        """Render one test as JSON at `now`."""
        fragments = self._fragments.get_or_make(test.id, lambda: self._make_fragments(test))
        status = self._sandbox.status_of(test, now)
        return render_test(fragments, status, review_status(test, now), reviews(test, now))

    def _make_fragments(self, test: TestFacts) -> TestFragments:
        """Pre-render a test's unchanging parts."""
        store = self._sandbox.store
        environment = (
            store.dataset.environments.get(test.environment_id) if test.environment_id else None
        )
        return test_fragments(test, store.detail(test), store.product_of(test), environment)

    def page(
        self, account: Account, product_id: int, page: int | None, per_page: int, now: datetime
    ) -> str:
        """Render a test-list page; a window holding a poisoned test fails with 500."""
        sandbox = self._sandbox
        product = sandbox.store.product_for(account, product_id)
        tests = sandbox.visible_tests(product, now)
        if sandbox.config.profile == "staging":
            window = tests
        else:
            if page is None:
                window = tests[:UNPAGINATED_LIMIT]
            else:
                window = tests[(page - 1) * per_page : page * per_page]
            if any(t.poisoned for t in window):
                raise ServerError("Internal Server Error")
        items = ",".join(self.document(t, now) for t in window)
        return f'{{"exploratory_tests":[{items}]}}'

    def one(self, account: Account, test_id: int, now: datetime) -> str:
        """Render one test; a poisoned test fails with 500."""
        test = self._visible_test(account, test_id, now)
        if test.poisoned and self._sandbox.config.profile != "staging":
            raise ServerError("Internal Server Error")
        return f'{{"exploratory_test":{self.document(test, now)}}}'

    def _visible_test(self, account: Account, test_id: int, now: datetime) -> TestFacts:
        """Return a test of the account that exists at `now`."""
        test = self._sandbox.store.test_for(account, test_id)
        if not test_exists(test, now):
            raise NotFound(f"No test {test_id}.")
        return test

    def _test_case_run(
        self, account: Account, product_id: int, test_id: int, now: datetime
    ) -> TestFacts:
        """Return a test-case run of a product; 404 for other tests."""
        self._sandbox.store.product_for(account, product_id)
        test = self._visible_test(account, test_id, now)
        if test.product_id != product_id or test.testing_type is not None:
            raise NotFound(f"Test {test_id} is not a test-case run of product {product_id}.")
        return test

    def _test_cases(self, test: TestFacts) -> list[dict[str, Any]]:
        """Generate a test-case run's cases and their steps."""
        rng = detail_rng(self._sandbox.store.seed, test.id, 41)
        cases: list[dict[str, Any]] = []
        for index in range(rng.randint(2, 5)):
            case_id = 500_000 + test.id * 8 + index
            steps = [
                {
                    "id": case_id * 10 + step,
                    "description": f"Step {step + 1}: check the expected screen",
                    "test_case_id": case_id,
                    "target_idx": None,
                }
                for step in range(rng.randint(2, 4))
            ]
            feature_id = (
                test.feature_ids[index % len(test.feature_ids)] if test.feature_ids else None
            )
            cases.append(
                {
                    "id": case_id,
                    "title": f"Case {index + 1}",
                    "feature_id": feature_id,
                    "target_idx": None,
                    "steps": steps,
                }
            )
        return cases

    def test_case(self, account: Account, product_id: int, test_id: int, now: datetime) -> str:
        """Render a test-case run with its cases."""
        test = self._test_case_run(account, product_id, test_id, now)
        detail = self._sandbox.store.detail(test)
        environment = self._sandbox.store.dataset.environments.get(test.environment_id or -1)
        body = {
            "id": test.id,
            "test_title": test.title,
            "goal": detail.goal[0],
            "out_of_scope": detail.out_of_scope[0],
            "instructions": detail.instructions[0],
            "start_at": None if test.start_at is None else stamp(test.start_at, test.stamp_style),
            "report_language": detail.report_language,
            "requirements": list(detail.requirements),
            "test_environment": None
            if environment is None
            else {"id": environment.id, "title": environment.title},
            "test_cases": self._test_cases(test),
        }
        return dumps({"test_case_test": body})

    def test_case_results(
        self, account: Account, product_id: int, test_id: int, now: datetime
    ) -> str:
        """Render the executions of a test-case run as a bare array."""
        test = self._test_case_run(account, product_id, test_id, now)
        if test.start_at is None or test.start_at > now:
            return "[]"
        rng = detail_rng(self._sandbox.store.seed, test.id, 43)
        testers = self._sandbox.store.account_of(test).testers or ("tester_1",)
        results: list[dict[str, Any]] = []
        for case in self._test_cases(test):
            for _ in range(rng.randint(1, 3)):
                failed = rng.random() < 0.2
                steps = [
                    {"test_case_step_id": s["id"], "status": "passed", "comment": None}
                    for s in case["steps"]
                ]
                if failed:
                    steps[-1] = {
                        "test_case_step_id": case["steps"][-1]["id"],
                        "status": "failed",
                        "comment": "Spinner never ends",
                    }
                results.append(
                    {
                        "test_case_id": case["id"],
                        "status": "failed" if failed else "passed",
                        "tester": rng.choice(testers),
                        "steps": steps,
                    }
                )
        return dumps(results)
