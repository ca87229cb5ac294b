"""Generation of products with their sections, features, user stories and environments."""

from __future__ import annotations

import re
from random import Random
from typing import Literal

import attrs

from testio.sandbox import vocabulary as words
from testio.sandbox.records import Connection, Environment, Feature, Product, Section, UserStory
from testio.sandbox.sequence import IdSequence

Layout = Literal["sections", "legacy", "hybrid"]


@attrs.frozen
class CatalogueIds:
    """The global sequences the catalogue draws ids from."""

    sections: IdSequence
    features: IdSequence
    stories: IdSequence
    environments: IdSequence
    connections: IdSequence

    @classmethod
    def start(cls, rng: Random) -> CatalogueIds:
        """Start every sequence where the live API's ids lie."""
        return cls(
            sections=IdSequence(19_000, rng, 40),
            features=IdSequence(170_000, rng, 4),
            stories=IdSequence(60_000, rng, 2),
            environments=IdSequence(40_000, rng, 30),
            connections=IdSequence(300, rng, 12),
        )


@attrs.frozen
class ProductCatalogue:
    """A generated product and everything hanging off it."""

    product: Product
    features: tuple[Feature, ...]
    stories: tuple[UserStory, ...]
    environments: tuple[Environment, ...]


def tracker_key(name: str) -> str:
    """Derive a tracker project key such as CANVAS from a product name."""
    letters = re.sub(r"[^A-Za-z]", "", name.split()[0]).upper()
    return letters[:6] or "PROD"


def _slug(name: str) -> str:
    """Make a host-name slug from a product name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _connection(rng: Random, ids: CatalogueIds, name: str) -> Connection | None:
    """Give about half the products a bug-tracker connection."""
    if rng.random() < 0.5:
        return None
    label, url = rng.choice(words.TRACKERS)
    return Connection(ids.connections.take(), label, url.format(slug=_slug(name)), fixed=False)


def _sections(
    rng: Random, ids: CatalogueIds, name: str, layout: Layout
) -> tuple[tuple[Section, ...], tuple[Section, ...]]:
    """Return (sections, sections_with_default) for a layout."""
    if layout == "legacy":
        default = Section(ids.sections.take(), "default-section", None, 3)
        return (), (default,)
    first, second = rng.choice(words.SECTION_PAIRS)
    short = name.split()[0]
    if layout == "hybrid":
        default = Section(ids.sections.take(), "default-section", None, rng.randint(1, 6))
        extra = Section(ids.sections.take(), f"{short} {second}", None, rng.randint(1, 4))
        return (), (default, extra)
    main = Section(ids.sections.take(), f"{short} {first}", None, rng.randint(8, 19))
    other = Section(ids.sections.take(), f"{short} {second}", None, rng.randint(1, 5))
    return (main, other), (main, other)


def _story_title(rng: Random, feature_name: str) -> str:
    """Draw one user-story title."""
    form = rng.choice(words.STORY_FORMS)
    return form.format(
        role=rng.choice(words.ROLES), action=rng.choice(words.ACTIONS), feature=feature_name
    )


def _feature_titles(rng: Random, count: int) -> list[tuple[str, str]]:
    """Draw distinct (area, name) pairs for a product's features."""
    pairs = [(a, n) for a in words.FEATURE_AREAS for n in words.FEATURE_NAMES]
    rng.shuffle(pairs)
    chosen = pairs[:count]
    while len(chosen) < count:
        area, name = pairs[len(chosen) % len(pairs)]
        chosen.append((area, f"{name} {len(chosen)}"))
    return chosen


def _membership(index: int, count: int, section_ids: tuple[int, ...]) -> tuple[int, ...]:
    """Decide which sections list a feature: most in the first, a few in the second, some in both."""
    if len(section_ids) == 1:
        return section_ids
    second_only = max(2, count // 30)
    overlap = max(2, count // 20)
    if index >= count - second_only:
        return (section_ids[1],)
    if index < overlap:
        return section_ids
    return (section_ids[0],)


def build_product(
    rng: Random,
    ids: CatalogueIds,
    *,
    product_id: int,
    account: int,
    name: str,
    layout: Layout,
    feature_count: int,
    stories_per_feature: float,
) -> ProductCatalogue:
    """Generate one product with its catalogue."""
    sections, with_default = _sections(rng, ids, name, layout)
    section_ids = tuple(s.id for s in (sections or with_default))
    features: list[Feature] = []
    stories: list[UserStory] = []
    previous_first_story: str | None = None
    for index, (area, feature_name) in enumerate(_feature_titles(rng, feature_count)):
        count = max(1 if index < 2 else 0, round(rng.uniform(0, 2 * stories_per_feature)))
        titles = [_story_title(rng, feature_name) for _ in range(count)]
        if titles and previous_first_story is not None and index == 1:
            titles[0] = previous_first_story  # a title shared by two features, on purpose
        if index == 0 and titles:
            previous_first_story = titles[0]
        story_ids: list[int] = []
        for title in titles:
            story = UserStory(ids.stories.take(), title)
            stories.append(story)
            story_ids.append(story.id)
        features.append(
            Feature(
                id=ids.features.take(),
                title=f"[{area}] {feature_name}",
                description=None
                if rng.random() < 0.1
                else f"{feature_name} in the {area.lower()} area",
                howtofind=None if rng.random() < 0.1 else f"Open the {area.lower()} page",
                story_ids=tuple(story_ids),
                section_ids=_membership(index, feature_count, section_ids),
            )
        )
    environments = _environments(rng, ids, product_id, name)
    product = Product(
        id=product_id,
        account=account,
        name=name,
        description=None if rng.random() < 0.6 else rng.choice(words.PRODUCT_DESCRIPTIONS),
        type=rng.choice(words.PRODUCT_TYPES),
        default_section_id=with_default[0].id,
        sections=sections,
        sections_with_default=with_default,
        connection=_connection(rng, ids, name),
        remote_device_testing=rng.random() < 0.2,
        feature_ids=tuple(f.id for f in features),
        environment_ids=tuple(e.id for e in environments),
        tracker_key=tracker_key(name),
    )
    return ProductCatalogue(product, tuple(features), tuple(stories), environments)


def _environments(
    rng: Random, ids: CatalogueIds, product_id: int, name: str
) -> tuple[Environment, ...]:
    """Generate 1-3 environments; some carry real-looking credentials."""
    slug = _slug(name)
    result: list[Environment] = []
    for index in range(rng.randint(1, 3)):
        title = words.ENVIRONMENT_TITLES[index].format(
            major=rng.randint(3, 9), minor=rng.randint(0, 20)
        )
        secret = rng.random() < 0.35
        is_build = index == 2
        result.append(
            Environment(
                id=ids.environments.take(),
                product_id=product_id,
                title=title,
                url=None
                if is_build
                else f"https://{'www' if index == 0 else 'staging'}.{slug}.com",
                username=f"qa-{slug}" if secret else "",
                password=f"s3cret-{rng.randrange(16**8):08x}" if secret else "",
                access="Use the shared test account" if secret else None,
                access_type="file" if is_build else "url",
                binary_app=(ids.environments.take(), f"{slug}.ipa", rng.randint(20, 90) * 1_000_000)
                if is_build
                else None,
            )
        )
    return tuple(result)


def build_people(
    rng: Random, tester_count: int, customer_count: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Draw an account's tester usernames (most active first) and customer display names."""
    testers: list[str] = []
    seen: set[str] = set()
    while len(testers) < tester_count:
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        form = rng.randrange(4)
        name = (
            f"{first}_{last}",
            f"{first}.{last[0]}",
            f"{first}_{last[0]}",
            f"{first}{rng.randint(1, 99)}",
        )[form]
        if name not in seen:
            seen.add(name)
            testers.append(name)
    customers = rng.sample(words.CUSTOMER_NAMES, customer_count)
    return tuple(testers), tuple(customers)
