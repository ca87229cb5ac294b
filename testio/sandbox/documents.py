"""JSON documents of the API, with the unchanging parts of tests and bugs pre-rendered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from testio.sandbox.clock import stamp
from testio.sandbox.details import TestDetail
from testio.sandbox.lifecycle import BugState
from testio.sandbox.reasons import REJECT_REASONS
from testio.sandbox.records import (
    Bug,
    BugDevice,
    Comment,
    Connection,
    Environment,
    Feature,
    Product,
    Section,
    TestFacts,
    UserStory,
)

JsonObject = dict[str, Any]


def dumps(value: object) -> str:
    """Encode JSON compactly and deterministically."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _inner(value: JsonObject) -> str:
    """Encode an object without its braces, to be spliced into a larger object."""
    return dumps(value)[1:-1]


def connection_doc(connection: Connection | None) -> JsonObject | None:
    """Render a bug-tracker connection."""
    if connection is None:
        return None
    return {
        "id": connection.id,
        "name": connection.name,
        "url": connection.url,
        "fixed": connection.fixed,
    }


def section_doc(section: Section) -> JsonObject:
    """Render a section."""
    return {
        "id": section.id,
        "name": section.name,
        "connection": connection_doc(section.connection),
        "test_templates": {"total": 20, "count": section.template_count},
    }


def product_doc(product: Product) -> JsonObject:
    """Render a product with its sections."""
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "type": product.type,
        "default_section_id": product.default_section_id,
        "sections": [section_doc(s) for s in product.sections],
        "sections_with_default": [section_doc(s) for s in product.sections_with_default],
        "connection": connection_doc(product.connection),
        "remote_device_testing": product.remote_device_testing,
    }


def story_doc(story: UserStory) -> JsonObject:
    """Render a user story (its path repeats its title)."""
    return {"id": story.id, "path": story.title, "title": story.title}


def feature_doc(feature: Feature, stories: Mapping[int, UserStory]) -> JsonObject:
    """Render a catalogue feature with its story titles."""
    return {
        "id": feature.id,
        "title": feature.title,
        "description": feature.description,
        "howtofind": feature.howtofind,
        "user_stories": [stories[s].title for s in feature.story_ids if s in stories],
    }


def environment_doc(environment: Environment | None) -> JsonObject | None:
    """Render a test environment, credentials included (clients must strip them)."""
    if environment is None:
        return None
    binary = environment.binary_app
    return {
        "id": environment.id,
        "title": environment.title,
        "url": environment.url,
        "username": environment.username,
        "password": environment.password,
        "access": environment.access,
        "proxy": False,
        "allow_orders": False,
        "access_type": environment.access_type,
        "environment_test_information": None,
        "binary_app": None
        if binary is None
        else {
            "id": binary[0],
            "filename": binary[1],
            "file_size": binary[2],
            "url": f"https://upload.test.io/binary_apps/{binary[0]}/{binary[1]}",
        },
    }


def reject_reasons_doc() -> JsonObject:
    """Render the reject reasons with their default comments."""
    return {
        "reject_reasons": [
            {"key": key, "name": name, "default_comment": comment}
            for key, name, comment in REJECT_REASONS
        ]
    }


@attrs.frozen
class TestFragments:
    """The pre-rendered unchanging parts of a test document."""

    head: str
    tail: str


def test_fragments(
    test: TestFacts, detail: TestDetail, product: Product, environment: Environment | None
) -> TestFragments:
    """Pre-render the parts of a test that neither the clock nor triage change."""
    section = product.section(test.section_id) or product.sections_with_default[0]
    head = {"id": test.id, "title": test.title, "test_title": test.title}
    tail = {
        "testing_type": test.testing_type,
        "goal": detail.goal[0],
        "goal_text": detail.goal[1],
        "out_of_scope": detail.out_of_scope[0],
        "out_of_scope_text": detail.out_of_scope[1],
        "instructions": detail.instructions[0],
        "instructions_text": detail.instructions[1],
        "start_at": None if test.start_at is None else stamp(test.start_at, test.stamp_style),
        "end_at": None if test.end_at is None else stamp(test.end_at, test.stamp_style),
        "test_environment": environment_doc(environment),
        "features": list(detail.features),
        "attachments": list(detail.attachments),
        "requirements": list(detail.requirements),
        "report_language": detail.report_language,
        "section": section_doc(section),
        "product": product_doc(product),
        "enable_low": detail.enable_low,
        "enable_high": detail.enable_high,
        "enable_critical": detail.enable_critical,
        "allow_device_clouds_test_scenario": detail.allow_device_clouds,
        "created_by": detail.created_by,
        "submitted_by": detail.submitted_by,
        "allowed_bug_types": list(detail.allowed_bug_types),
        "demo": detail.demo,
    }
    return TestFragments(_inner(head), _inner(tail))


def render_test(
    fragments: TestFragments, status: str, review: str, reviews: list[JsonObject]
) -> str:
    """Render a full test document at one instant."""
    changing = dumps({"status": status, "review_status": review})[1:-1]
    return f'{{{fragments.head},{changing},{fragments.tail},"reviews":{dumps(reviews)}}}'


@attrs.frozen
class BugFragments:
    """The pre-rendered unchanging parts of a bug document."""

    head: str
    middle: str
    tail: str


def _device_doc(device: BugDevice) -> JsonObject:
    """Render the device a bug was found on."""
    category_id, key, name = device.category
    return {
        "id": device.id,
        "category": {"id": category_id, "key": key, "name": name},
        "vendor": {"name": device.vendor},
        "devices": {"name": device.model},
        "operating_system": {"id": device.os[0], "name": device.os[1]},
        "browsers": [{"name": b} for b in device.browsers],
    }


def _feature_snapshot(
    feature: Feature | None, stories: Mapping[int, UserStory]
) -> JsonObject | None:
    """Render the feature object embedded in a bug."""
    if feature is None:
        return None
    return {
        "id": feature.id,
        "title": feature.title,
        "description": feature.description,
        "howtofind": feature.howtofind,
        "user_stories": [stories[s].title for s in feature.story_ids if s in stories],
        "custom_report_configurations": [],
    }


def comment_doc(comment: Comment) -> JsonObject:
    """Render a bug comment."""
    return {
        "id": comment.id,
        "body": comment.body,
        "author": {"name": comment.author},
        "created_at": stamp(comment.created_at, "z"),
    }


def bug_fragments(
    bug: Bug,
    test: TestFacts,
    product: Product,
    features: Mapping[int, Feature],
    stories: Mapping[int, UserStory],
) -> BugFragments:
    """Pre-render the parts of a bug that neither the clock nor triage change."""
    core, body = bug.core, bug.body
    middle: JsonObject = {"language": body.language, "location": body.location}
    if not body.absent_results:
        middle["expected_result"] = body.expected_result
        middle["actual_result"] = body.actual_result
    middle["steps"] = None if body.steps is None else list(body.steps)
    middle["author"] = {"name": body.author}
    middle["test"] = {"id": test.id, "title": test.title}
    if body.feature_link != "absent":
        link = body.test_feature
        middle["test_feature"] = None if link is None else {"id": link[0], "feature_id": link[1]}
    feature = features.get(body.test_feature[1]) if body.test_feature else None
    middle["feature"] = _feature_snapshot(feature, stories)
    middle["product"] = {"id": product.id, "name": product.name}
    middle["devices"] = None if body.device is None else [_device_doc(body.device)]
    middle["attachments"] = [
        {"id": a, "url": f"https://upload.test.io/attachments/{a}/{name}", "filename": name}
        for a, name in body.attachments
    ]
    tail: JsonObject = {"reported_at": stamp(core.reported_at, core.stamp_style)}
    if body.report is not None:
        tail["report"] = {
            "title": body.title,
            "custom_report_configuration_id": 48,
            "content": {
                "data": [
                    {
                        "key": key,
                        "name": name,
                        "type": "text",
                        "value": value,
                        "position": index + 1,
                    }
                    for index, (key, name, value) in enumerate(body.report)
                ]
            },
        }
    head = {"id": core.id, "title": body.title, "severity": core.severity}
    return BugFragments(_inner(head), _inner(middle), _inner(tail))


def external_idx(product: Product, bug_id: int, exported_at: datetime | None) -> str | None:
    """Return the tracker key of an exported bug of a product with a tracker connection."""
    if exported_at is None or product.connection is None:
        return None
    return f"{product.tracker_key}-{bug_id}"


def render_bug(
    fragments: BugFragments,
    state: BugState,
    tracker_key: str | None,
    comments: tuple[Comment, ...],
    staging: bool,
) -> str:
    """Render a full bug document at one instant."""
    changing: JsonObject = {"status": state.status}
    if not staging:
        changing["auto_accepted"] = state.auto_accepted
    changing["known"] = state.known
    changing["fixed"] = state.fixed
    changing["exported_at"] = None if state.exported_at is None else stamp(state.exported_at, "z")
    changing["external_idx"] = tracker_key
    notes = dumps([comment_doc(c) for c in comments])
    return f'{{{fragments.head},{_inner(changing)},{fragments.middle},"comments":{notes},{fragments.tail}}}'
