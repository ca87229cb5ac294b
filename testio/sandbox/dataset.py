"""The dataset a sandbox serves: accounts, products, catalogue, tests and explicit bugs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from testio.sandbox.clock import ANCHOR
from testio.sandbox.config import Size
from testio.sandbox.records import Account, Bug, Environment, Feature, Product, TestFacts, UserStory


@attrs.frozen
class Dataset:
    """Everything a sandbox serves, generated from a seed or built by hand.

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

    @classmethod
    def generate(cls, seed: int, size: Size) -> Dataset:
        """Generate the deterministic dataset of a seed and size."""
        from testio.sandbox.generator import generate_dataset

        return generate_dataset(seed, size)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Dataset:
        """Build a small dataset by hand; see `testio.sandbox.spec` for the format."""
        from testio.sandbox.spec import dataset_from_spec

        return dataset_from_spec(spec)
