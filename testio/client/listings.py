"""What the client hands back, assembled from raw API items with no I/O.

`TestPage` and `BugBatch` are the results of `TestIOClient.get_test_page` and `get_bugs`; the
functions here parse the raw items the client fetched into them, and merge a sectioned product's
feature lists into one catalogue. Items that cannot be parsed become `Problem`s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import attrs

from testio.client.bug_payloads import Bug
from testio.client.payloads import Feature, Product, Test, UserStory
from testio.client.recovery import Problem, Salvage, int_at, parse_items, payload_problem
from testio.errors import PayloadError

logger = logging.getLogger("testio.client")

Redact = Callable[[str], str]
Catalogue = list[tuple[Feature, tuple[int, ...]]]  # each feature with the section ids it is in
Stories = list[tuple[UserStory, tuple[int, ...]]]  # each user story with the section ids it is in


@attrs.frozen
class TestPage:
    """One page of a product's test list (newest first), with whatever could not be read."""

    __test__ = False

    page: int
    per_page: int
    tests: tuple[Test, ...]
    problems: tuple[Problem, ...]
    is_last: bool


@attrs.frozen
class BugBatch:
    """The bugs of some tests; a test in `failed_test_ids` has an incomplete bug list."""

    test_ids: tuple[int, ...]
    bugs: tuple[Bug, ...]
    failed_test_ids: tuple[int, ...]
    problems: tuple[Problem, ...]
    requests: int


def full_page(
    raws: Sequence[object], page: int, per_page: int, product_id: int, redact: Redact
) -> TestPage:
    """A page read in one piece; a short page is the last one."""
    tests, problems = parse_tests(raws, product_id, redact)
    # More items than asked for means the server ignores paging (staging): that is everything.
    return TestPage(page, per_page, tuple(tests), tuple(problems), is_last=len(raws) != per_page)


def salvaged_page(
    salvage: Salvage, page: int, per_page: int, product_id: int, redact: Redact
) -> TestPage:
    """A page read piecemeal around poisoned offsets, with a problem for each gap."""
    tests, problems = parse_tests(
        [salvage.found[o] for o in sorted(salvage.found)], product_id, redact
    )
    # Skipped offsets count as present: only a short sub-page proves the list ends here.
    is_last = salvage.end is not None and salvage.end <= page * per_page
    return TestPage(
        page, per_page, tuple(tests), (*problems, *salvage.problems(product_id)), is_last
    )


def parse_products(raws: Sequence[object], redact: Redact) -> tuple[list[Product], list[Problem]]:
    """The products of `GET products`; an unreadable one is a `payload` problem."""
    return parse_items(raws, Product.from_api, where="GET products", product_id=None, redact=redact)


def parse_tests(
    raws: Sequence[object], product_id: int, redact: Redact
) -> tuple[list[Test], list[Problem]]:
    """The tests of one product's test list; an unreadable one is a `payload` problem."""
    return parse_items(
        raws,
        lambda raw: Test.from_api(raw, product_id=product_id),
        where=f"product {product_id}'s test list",
        product_id=product_id,
        redact=redact,
        test_id_of=lambda raw: int_at(raw, "id"),
    )


def parse_features(
    raws: Sequence[object], path: str, product_id: int, redact: Redact
) -> tuple[list[Feature], list[Problem]]:
    """The features of `GET path`; an unreadable one is a `payload` problem."""
    return parse_items(
        raws, Feature.from_api, where=f"GET {path}", product_id=product_id, redact=redact
    )


def plain_catalogue(features: Sequence[Feature]) -> Catalogue:
    """A product without sections: each feature once, in no section."""
    unique: dict[int, Feature] = {}
    for feature in features:
        unique.setdefault(feature.id, feature)
    return [(f, ()) for f in unique.values()]


def sectioned_catalogue(
    sections: Sequence[int], results: Sequence[tuple[list[Feature], list[Problem]]]
) -> tuple[Catalogue, list[Problem]]:
    """Per-section feature lists merged: each feature once, with every section it appears in."""
    features: dict[int, Feature] = {}
    members: dict[int, list[int]] = {}
    problems: list[Problem] = []
    for section_id, (found, trouble) in zip(sections, results, strict=True):
        problems.extend(trouble)
        for feature in found:
            features.setdefault(feature.id, feature)
            if section_id not in members.setdefault(feature.id, []):
                members[feature.id].append(section_id)
    return [(f, tuple(members[f.id])) for f in features.values()], problems


def parse_user_stories(
    raws: Sequence[object], path: str, product_id: int, redact: Redact
) -> tuple[list[UserStory], list[Problem]]:
    """The user stories of `GET path`; an unreadable one is a `payload` problem."""
    return parse_items(
        raws, UserStory.from_api, where=f"GET {path}", product_id=product_id, redact=redact
    )


def sectioned_stories(
    sections: Sequence[int], results: Sequence[tuple[list[UserStory], list[Problem]]]
) -> tuple[Stories, list[Problem]]:
    """Per-section story lists merged: each story once, with every section it appears in."""
    stories: dict[int, UserStory] = {}
    members: dict[int, list[int]] = {}
    problems: list[Problem] = []
    for section_id, (found, trouble) in zip(sections, results, strict=True):
        problems.extend(trouble)
        for story in found:
            stories.setdefault(story.id, story)
            if section_id not in members.setdefault(story.id, []):
                members[story.id].append(section_id)
    return [(s, tuple(members[s.id])) for s in stories.values()], problems


def bug_batch(
    ids: tuple[int, ...],
    raws: Sequence[object],
    problems: list[Problem],
    *,
    requests: int,
    redact: Redact,
) -> BugBatch:
    """The bugs of `ids` from the raw items; `problems` are the batches that failed even alone.

    A bug owned by a test not asked for is dropped; a test with an unreadable bug is failed.
    A bug listed twice keeps its first copy; if the copies differ, its test is failed with a
    `payload` problem, since which copy is right cannot be told.
    """
    problems = list(problems)
    failed = [t for p in problems for t in p.test_ids]
    wanted = set(ids)
    bugs: dict[int, Bug] = {}
    twice: set[int] = set()
    for raw in raws:
        owner = int_at(raw, "test", "id")
        if owner is not None and owner not in wanted:
            continue  # the API does not send foreign bugs; if it ever does, they are not ours
        try:
            bug = Bug.from_api(raw)
        except PayloadError as exc:
            problems.append(payload_problem(exc, "GET bugs", None, owner, redact))
            if owner is not None:
                failed.append(owner)
            continue
        first = bugs.setdefault(bug.id, bug)
        if first is not bug and first != bug and bug.id not in twice:
            twice.add(bug.id)
            problems.append(_bug_listed_twice(first, bug))
            failed.extend(dict.fromkeys((first.test_id, bug.test_id)))
    failed_set = set(failed)
    return BugBatch(
        test_ids=ids,
        bugs=tuple(bugs.values()),
        failed_test_ids=tuple(t for t in ids if t in failed_set),
        problems=tuple(problems),
        requests=requests,
    )


def _bug_listed_twice(first: Bug, again: Bug) -> Problem:
    """The `payload` problem (and warning) for a bug listed twice with different content."""
    tests = tuple(dict.fromkeys((first.test_id, again.test_id)))
    message = (
        f"Bug {first.id} is listed twice in one GET bugs answer with different content; the "
        f"second copy was skipped, so the bug list of test {first.test_id} stays incomplete "
        "until a later sync."
    )
    logger.warning("%s", message)
    return Problem(kind="payload", product_id=None, message=message, test_ids=tests)
