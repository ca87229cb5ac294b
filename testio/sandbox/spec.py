"""Hand-built datasets from a small spec, for tests that need exact, known data.

The spec is a mapping; every key is optional unless stated, and missing values get defaults::

    {
      "token": "token-a",                    # one account at the top level, or a list under "accounts"
      "products": [{
        "id": 10, "name": "Shop", "type": "website",
        "sections": ["Web", "Apps"],         # named sections; none means a legacy product
        "hybrid_sections": ["Apps"],         # `sections: []` plus these in `sections_with_default`
        "connection": true,                  # a bug-tracker connection (enables external_idx)
        "features": [{"id": 500, "title": "[Checkout] Pay", "user_stories": ["I can pay"],
                      "sections": ["Web"]}],
        "tests": [{
          "id": 101, "title": "Checkout", "status": "archived", "review_status": "review_successful",
          "testing_type": "coverage",        # null for a test-case run
          "start_at": "2025-01-14T14:00:00+01:00", "end_at": "2025-01-15T18:00:00+01:00",
          "section": "Web", "poisoned": false, "features": [500],
          "bugs": 3,                         # or a list of bug specs:
          "bugs": [{"id": 2001, "status": "accepted", "auto_accepted": false, "known": false,
                    "fixed": null, "severity": "high", "exported": false, "exported_at": null,
                    "export_requested": false, "reject_reason": "known_bug",
                    "reported_at": "2025-01-15T10:00:00Z", "title": "...", "author": "ana"}]}]}]
    }

Hand-built data keeps the statuses it is given: the clock changes nothing. Test ids default to
a sequence from 100000 and bug ids to one from 2000000; a missing `end_at` is a day before the
previous test's (none for `initialized` drafts), a missing `start_at` 28 hours before `end_at`,
and a missing `reported_at` a few minutes after `start_at`. Rejected bugs default to the reason
`intended_behavior`; `"reject_reason": null` gives a free-text rejection comment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from random import Random
from typing import Any, cast

import attrs

from testio.sandbox.bugs import TesterPool, bug_devices, generate_body
from testio.sandbox.catalogue import tracker_key
from testio.sandbox.clock import ANCHOR, StampStyle, parse_instant
from testio.sandbox.dataset import Dataset
from testio.sandbox.reasons import DEFAULT_COMMENTS
from testio.sandbox.records import (
    Account,
    Bug,
    BugCore,
    Connection,
    Environment,
    Feature,
    Product,
    Section,
    TestFacts,
    UserStory,
)
from testio.sandbox.sequence import IdSequence
from testio.sandbox.vocabulary import FREE_TEXT_REJECTIONS, REQUEST_TIMEOUT

HOUR = timedelta(hours=1)
REVIEW_BY_STATUS = {"initialized": "not_finalized", "customer_finalized": "review_initialized"}


def _items(value: object, what: str) -> list[Mapping[str, Any]]:
    """Read a list of mappings from the spec."""
    if value is None:
        return []
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"{what} must be a list.")
    items = list(cast(Sequence[object], value))
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError(f"Every entry of {what} must be a mapping, not {item!r}.")
    return [cast(Mapping[str, Any], item) for item in items]


def _instant(spec: Mapping[str, Any], key: str, default: datetime | None) -> datetime | None:
    """Read an optional instant; a present null stays null."""
    if key not in spec:
        return default
    raw = spec[key]
    if raw is None:
        return None
    if isinstance(raw, datetime):
        if raw.tzinfo is None:
            raise ValueError(f"{key} must be timezone-aware.")
        return raw
    return parse_instant(str(raw))


def _style(raw: object) -> StampStyle:
    """Keep a `Z` suffix as written; other instants keep their own offset."""
    return "z" if isinstance(raw, str) and raw.strip().endswith("Z") else "asis"


@attrs.define
class _Builder:
    """Accumulates the records of a hand-built dataset."""

    rng: Random = attrs.field(factory=lambda: Random(0))
    products: dict[int, Product] = attrs.field(factory=dict[int, Product])
    features: dict[int, Feature] = attrs.field(factory=dict[int, Feature])
    stories: dict[int, UserStory] = attrs.field(factory=dict[int, UserStory])
    environments: dict[int, Environment] = attrs.field(factory=dict[int, Environment])
    tests: list[TestFacts] = attrs.field(factory=list[TestFacts])
    bugs: dict[int, tuple[Bug, ...]] = attrs.field(factory=dict[int, tuple[Bug, ...]])
    next_product: int = 1_000
    next_test: int = 100_000
    next_bug: int = 2_000_000
    sections: IdSequence = attrs.field(factory=lambda: IdSequence(19_000, Random(0)))
    feature_ids: IdSequence = attrs.field(factory=lambda: IdSequence(170_000, Random(0)))
    story_ids: IdSequence = attrs.field(factory=lambda: IdSequence(60_000, Random(0)))
    test_features: IdSequence = attrs.field(factory=lambda: IdSequence(1_040_000, Random(0)))

    def product(self, spec: Mapping[str, Any], account: Account) -> None:
        """Add one product with its catalogue and tests."""
        product_id = int(spec.get("id", self.next_product))
        self.next_product = max(self.next_product, product_id) + 1
        name = str(spec.get("name", f"Product {product_id}"))
        named = [Section(self.sections.take(), str(n), None, 2) for n in spec.get("sections", [])]
        hybrid = [
            Section(self.sections.take(), str(n), None, 1) for n in spec.get("hybrid_sections", [])
        ]
        if named:
            sections, with_default = tuple(named), tuple(named)
        else:
            default = Section(self.sections.take(), "default-section", None, 1)
            sections, with_default = (), (default, *hybrid)
        by_name = {s.name: s.id for s in with_default}
        section_ids = [s.id for s in (sections or with_default)]
        feature_specs = _items(spec.get("features"), "features") or [{"title": "[Main] Everything"}]
        feature_ids = [self._feature(f, by_name, section_ids) for f in feature_specs]
        environment = Environment(
            40_000 + product_id, product_id, "Production", f"https://www.product{product_id}.com"
        )
        self.environments[environment.id] = environment
        connection = (
            Connection(300 + product_id, "Jira Cloud", "https://example.atlassian.net")
            if spec.get("connection")
            else None
        )
        product = Product(
            id=product_id,
            account=account.index,
            name=name,
            description=spec.get("description"),
            type=str(spec.get("type", "website")),
            default_section_id=with_default[0].id,
            sections=sections,
            sections_with_default=with_default,
            connection=connection,
            remote_device_testing=False,
            feature_ids=tuple(feature_ids),
            environment_ids=(environment.id,),
            tracker_key=tracker_key(name),
        )
        self.products[product_id] = product
        end = ANCHOR
        for test_spec in _items(spec.get("tests"), "tests"):
            end = self._test(test_spec, product, account, by_name, end)

    def _feature(
        self, spec: Mapping[str, Any], by_name: dict[str, int], section_ids: list[int]
    ) -> int:
        """Add one catalogue feature with its stories."""
        feature_id = int(spec.get("id", self.feature_ids.take()))
        story_ids: list[int] = []
        for title in spec.get("user_stories", []):
            story = UserStory(self.story_ids.take(), str(title))
            self.stories[story.id] = story
            story_ids.append(story.id)
        names = spec.get("sections")
        members = tuple(by_name[str(n)] for n in names) if names else tuple(section_ids)
        self.features[feature_id] = Feature(
            id=feature_id,
            title=str(spec.get("title", f"[Main] Feature {feature_id}")),
            description=spec.get("description"),
            howtofind=spec.get("howtofind"),
            story_ids=tuple(story_ids),
            section_ids=members,
        )
        return feature_id

    def _test(
        self,
        spec: Mapping[str, Any],
        product: Product,
        account: Account,
        by_name: dict[str, int],
        previous_end: datetime,
    ) -> datetime:
        """Add one test with its bugs; return the end the next test defaults from."""
        test_id = int(spec.get("id", self.next_test))
        self.next_test = max(self.next_test, test_id) + 1
        status = str(spec.get("status", "archived"))
        default_end = None if status == "initialized" else previous_end - timedelta(days=1)
        end_at = _instant(spec, "end_at", default_end)
        start_at = _instant(spec, "start_at", None if end_at is None else end_at - 28 * HOUR)
        section = spec.get("section")
        section_id = (
            product.default_section_id
            if section is None
            else (by_name[section] if isinstance(section, str) else int(section))
        )
        if product.sections and section is None:
            section_id = product.sections[0].id
        feature_ids = tuple(int(f) for f in spec.get("features", product.feature_ids[:1]))
        test = TestFacts(
            id=test_id,
            product_id=product.id,
            section_id=section_id,
            title=str(spec.get("title", f"Test {test_id}")),
            testing_type=spec.get("testing_type", "coverage"),
            start_at=start_at,
            end_at=end_at,
            stamp_style=_style(spec.get("end_at")),
            fixed_status=status,
            fixed_review_status=str(
                spec.get("review_status", REVIEW_BY_STATUS.get(status, "review_successful"))
            ),
            approved_at=None if start_at is None else start_at - 24 * HOUR,
            poisoned=bool(spec.get("poisoned", False)),
            feature_ids=feature_ids,
            test_feature_id_start=self.test_features.take(len(feature_ids) + 1),
            environment_id=product.environment_ids[0],
            accessibility=bool(spec.get("accessibility", False)),
            clocked=False,
        )
        self.tests.append(test)
        raw_bugs = spec.get("bugs", [])
        empty: Mapping[str, Any] = {}
        bug_specs = [empty] * raw_bugs if isinstance(raw_bugs, int) else _items(raw_bugs, "bugs")
        base = start_at or end_at or ANCHOR
        self.bugs[test_id] = tuple(
            self._bug(b, index, test, product, account, base) for index, b in enumerate(bug_specs)
        )
        return end_at or previous_end

    def _bug(
        self,
        spec: Mapping[str, Any],
        index: int,
        test: TestFacts,
        product: Product,
        account: Account,
        base: datetime,
    ) -> Bug:
        """Build one bug from its spec."""
        bug_id = int(spec.get("id", self.next_bug))
        self.next_bug = max(self.next_bug, bug_id) + 1
        status = str(spec.get("status", "accepted"))
        reported = (
            _instant(spec, "reported_at", base + (index + 1) * 5 * timedelta(minutes=1)) or base
        )
        exported_at = _instant(
            spec, "exported_at", reported + 24 * HOUR if spec.get("exported") else None
        )
        reason: str | None = (
            spec.get("reject_reason", "intended_behavior") if status == "rejected" else None
        )
        comment = None
        if status == "rejected":
            comment = DEFAULT_COMMENTS.get(
                reason or "",
                REQUEST_TIMEOUT if reason == "request_timeout" else FREE_TEXT_REJECTIONS[0],
            )
        core = BugCore(
            id=bug_id,
            test_id=test.id,
            severity=str(spec.get("severity", "high")),
            reported_at=reported,
            stamp_style=_style(spec.get("reported_at")),
            outcome="rejected" if status == "rejected" else "accepted",
            decided_at=reported + HOUR if status != "forwarded" else None,
            fixed_status=status,
            fixed_auto_accepted=spec.get("auto_accepted", False),
            known=bool(spec.get("known", False)),
            fixed=spec.get("fixed"),
            exported_at=exported_at,
            export_requested=bool(spec.get("export_requested", False)),
            reject_reason=reason,
            reject_comment=comment,
            clocked=False,
        )
        rng = Random(bug_id)
        body = generate_body(
            rng,
            core,
            test,
            product,
            TesterPool(account.testers),
            account.customer_users,
            bug_devices(0, test, product),
        )
        changes: dict[str, Any] = {}
        if "title" in spec:
            changes["title"] = str(spec["title"])
        if "author" in spec:
            changes["author"] = str(spec["author"])
        return Bug(core, attrs.evolve(body, **changes))


def dataset_from_spec(spec: Mapping[str, Any]) -> Dataset:
    """Build a dataset from a hand-written spec (see the module docstring)."""
    account_specs = _items(spec.get("accounts"), "accounts") if "accounts" in spec else [spec]
    builder = _Builder()
    accounts: list[Account] = []
    for index, account_spec in enumerate(account_specs):
        product_specs = _items(account_spec.get("products"), "products")
        account = Account(
            index=index,
            token=str(account_spec.get("token", f"hand-built-{index}")),
            product_ids=(),
            testers=tuple(account_spec.get("testers", ("ana_tester", "ben_tester", "cleo_tester"))),
            customer_users=tuple(account_spec.get("customer_users", ("Maria Keller",))),
        )
        for product_spec in product_specs:
            builder.product(product_spec, account)
        owned = tuple(sorted(pid for pid, p in builder.products.items() if p.account == index))
        accounts.append(attrs.evolve(account, product_ids=owned))
    return Dataset(
        accounts=tuple(accounts),
        products=dict(sorted(builder.products.items())),
        features=builder.features,
        stories=builder.stories,
        environments=builder.environments,
        tests=tuple(sorted(builder.tests, key=lambda t: t.id)),
        bugs=builder.bugs,
        seed=0,
        anchor=ANCHOR,
        generated=False,
    )
