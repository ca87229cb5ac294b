"""Reads of the catalogue: products, features, user stories, environments, templates."""

from __future__ import annotations

from typing import Any

from testio.sandbox.documents import (
    dumps,
    environment_doc,
    feature_doc,
    product_doc,
    reject_reasons_doc,
    story_doc,
)
from testio.sandbox.errors import Forbidden, NotFound, ServerError, Unprocessable
from testio.sandbox.records import Account, Feature, Product
from testio.sandbox.sandbox import Sandbox


class CatalogueView:
    """Renders the catalogue endpoints, which do not depend on the clock."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._products = {pid: dumps(product_doc(p)) for pid, p in sandbox.store.products.items()}
        self._reject_reasons = dumps(reject_reasons_doc())

    def products(self, account: Account, only: set[int] | None) -> str:
        """Render every product of the account, id ascending, optionally filtered by id."""
        ids = [pid for pid in sorted(account.product_ids) if only is None or pid in only]
        return f'{{"products":[{",".join(self._products[pid] for pid in ids)}]}}'

    def product(self, account: Account, product_id: int) -> str:
        """Render one product."""
        self._sandbox.store.product_for(account, product_id)
        return f'{{"product":{self._products[product_id]}}}'

    def _features(self, product: Product, section_id: int | None) -> list[Feature]:
        """Return a product's features, or those listed in one section."""
        features = self._sandbox.dataset.features
        chosen = [features[f] for f in product.feature_ids]
        if section_id is None or not product.has_sections:
            return chosen
        return [f for f in chosen if section_id in f.section_ids]

    def features(self, account: Account, product_id: int) -> str:
        """Render the features of a product without sections; 422 on a sectioned product."""
        product = self._sandbox.store.product_for(account, product_id)
        if product.has_sections:
            raise Unprocessable(
                f"Product {product_id} has sections; use products/{product_id}/sections/{{section_id}}/features."
            )
        return self._feature_list(self._features(product, None))

    def section_features(self, account: Account, product_id: int, section_id: int) -> str:
        """Render the features of one section of a product."""
        product = self._sandbox.store.product_for(account, product_id)
        self._section(product, section_id)
        return self._feature_list(self._features(product, section_id))

    def _section(self, product: Product, section_id: int) -> None:
        """Check that a section belongs to the product; 404 otherwise."""
        if product.section(section_id) is None:
            raise NotFound(f"No section {section_id} in product {product.id}.")

    def _feature_list(self, features: list[Feature]) -> str:
        """Render a feature list envelope."""
        stories = self._sandbox.dataset.stories
        return dumps({"features": [feature_doc(f, stories) for f in features]})

    def user_stories(self, account: Account, product_id: int, section_id: int | None) -> str:
        """Render a product's user stories; 500 on a sectioned product without `section_id`."""
        product = self._sandbox.store.product_for(account, product_id)
        if section_id is None and product.has_sections:
            raise ServerError("Internal Server Error")
        if section_id is not None:
            self._section(product, section_id)
        stories = self._sandbox.dataset.stories
        seen: set[int] = set()
        items: list[dict[str, Any]] = []
        for feature in self._features(product, section_id):
            for story_id in feature.story_ids:
                if story_id not in seen and story_id in stories:
                    seen.add(story_id)
                    items.append(story_doc(stories[story_id]))
        return dumps({"user_stories": items})

    def user_story(self, account: Account, story_id: int) -> str:
        """Render one user story as a bare object."""
        product = self._sandbox.story_product(story_id)
        if product.account != account.index:
            raise Forbidden(f"User story {story_id} belongs to another account.")
        return dumps(story_doc(self._sandbox.dataset.stories[story_id]))

    def environments(self, account: Account, product_id: int) -> str:
        """Render a product's test environments."""
        product = self._sandbox.store.product_for(account, product_id)
        environments = self._sandbox.dataset.environments
        return dumps(
            {
                "test_environments": [
                    environment_doc(environments[e]) for e in product.environment_ids
                ]
            }
        )

    def environment(self, account: Account, product_id: int, environment_id: int) -> str:
        """Render one test environment of a product; 404 for another product's."""
        product = self._sandbox.store.product_for(account, product_id)
        if environment_id not in product.environment_ids:
            raise NotFound(f"No test environment {environment_id} in product {product_id}.")
        return dumps(
            {
                "test_environment": environment_doc(
                    self._sandbox.dataset.environments[environment_id]
                )
            }
        )

    def reject_reasons(self) -> str:
        """Render the reject reasons."""
        return self._reject_reasons

    def templates(self, account: Account, product_id: int, section_id: int | None) -> str:
        """Render the test templates of a product, or of one of its sections."""
        product = self._sandbox.store.product_for(account, product_id)
        if section_id is not None:
            self._section(product, section_id)
        sections = [
            s
            for s in product.sections_with_default + product.sections
            if section_id in (None, s.id)
        ]
        items: list[dict[str, Any]] = []
        seen: set[int] = set()
        for section in sections:
            if section.id in seen:
                continue
            seen.add(section.id)
            for index in range(section.template_count):
                title = f"{section.name} – template {index + 1}"
                items.append(
                    {
                        "id": section.id * 100 + index,
                        "title": title,
                        "max_test_duration": 48,
                        "min_test_duration": 2,
                        "default_test_duration": 24,
                        "test_scenario_template": {
                            "title": title,
                            "test_title": title,
                            "testing_type": "coverage",
                            "goal": None,
                            "out_of_scope": None,
                            "instructions": None,
                            "features": [],
                            "requirements": [],
                            "section": {"id": section.id, "name": section.name},
                        },
                    }
                )
        return dumps({"test_templates": items})
