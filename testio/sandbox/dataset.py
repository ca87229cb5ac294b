"""The dataset a sandbox serves: accounts, products, catalogue, tests and explicit bugs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from testio.sandbox.clock import ANCHOR
from testio.sandbox.records import Account, Bug, Environment, Feature, Product, TestFacts, UserStory


@attrs.frozen
class Dataset:
    """Everything a sandbox serves, generated from a seed or built by hand.

    `generate_dataset` (in `generator`) makes one from a seed and size; `dataset_from_spec`
    (in `spec`) builds a small one by hand.

    Generated datasets leave bugs to be generated lazily per test and follow the clock;
    hand-built ones carry their bugs in `bugs` and keep the statuses they were given.
    """

    accounts: tuple[Account, ...]
    products: Mapping[int, Product]
    features: Mapping[int, Feature]
    stories: Mapping[int, UserStory]
    environments: Mapping[int, Environment]
    tests: tuple[TestFacts, ...]
    bugs: Mapping[int, tuple[Bug, ...]] = attrs.field(factory=dict[int, tuple[Bug, ...]])
    seed: int = 0
    anchor: datetime = ANCHOR
    generated: bool = False
