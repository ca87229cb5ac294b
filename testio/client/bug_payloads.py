"""Typed, tolerant parsing of bugs: details, device, comments, and the reject reason they hide."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import attrs

from testio.client.fields import (
    MAX_TEXT,
    as_object,
    int_field,
    list_field,
    opt_bool,
    opt_int,
    opt_text,
    parse_instant,
    sub_object,
)
from testio.errors import PayloadError

REJECT_REASON_NAMES: dict[str, str] = {
    "device_not_relevant": "Device not relevant",
    "ignored_instructions": "Instructions not followed",
    "intended_behavior": "Intended behaviour",
    "irrelevant": "Bug not relevant",
    "known_bug": "Known bug",
    "not_reproducible": "Not reproducible",
    "request_timeout": "Request timeout",
}
"""The API's standard reject reasons (`GET bugs/reject_reasons`) and the system's timeout."""

REJECT_REASON_COMMENTS: dict[str, str] = {
    "device_not_relevant": "This device is not relevant and the bug will not be fixed.",
    "ignored_instructions": "The test instructions were not followed.",
    "intended_behavior": "The behaviour/design described here is intentional.",
    "irrelevant": "This bug is not relevant and will not be fixed.",
    "known_bug": "This is a legit bug but already known.",
    "not_reproducible": "With the information provided it was not possible to reproduce this bug.",
    "request_timeout": "Your bug was rejected automatically, because you didn't respond to the request",
}


@attrs.frozen
class BugComment:
    """A comment on a bug: who wrote it, what, and when (when the API says)."""

    author: str | None
    body: str
    created_at: datetime | None


@attrs.frozen
class Bug:
    """A bug as reported on a test; the reject reason is recovered from its comments."""

    id: int
    test_id: int
    title: str
    severity: str
    status: str
    auto_accepted: bool | None
    known: bool
    fixed: bool | None
    exported_at: datetime | None
    reported_at: datetime | None
    author: str | None
    reject_reason: str | None
    feature_id: int | None
    location: str | None
    operating_system: str | None = None
    """The operating system of the bug's (first) device, e.g. "Android"; null for custom bugs."""
    device: str | None = None
    """Vendor and model of that device, e.g. "Apple iPad Air"."""
    device_category: str | None = None
    """"Smartphones", "Tablets", "Computers", ..."""
    browsers: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    expected_result: str | None = None
    actual_result: str | None = None
    attachments: tuple[str, ...] = ()
    """Attachment URLs."""
    comments: tuple[BugComment, ...] = ()

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one bug."""
        data = as_object(raw, "A bug")
        bid = int_field(data, "id", "A bug")
        what = f"Bug {bid}"
        test_id = opt_int(sub_object(data, "test"), "id")
        if test_id is None:
            raise PayloadError(f"{what} has no test id.")
        status = opt_text(data, "status")
        if status is None:
            raise PayloadError(f"{what} has no status.")
        feature_id = opt_int(sub_object(data, "test_feature"), "feature_id") or opt_int(
            sub_object(data, "feature"), "id"
        )
        return cls(
            id=bid,
            test_id=test_id,
            title=opt_text(data, "title") or f"Bug {bid}",
            severity=opt_text(data, "severity") or "unknown",
            status=status,
            auto_accepted=opt_bool(data, "auto_accepted"),
            known=opt_bool(data, "known") is True,
            fixed=opt_bool(data, "fixed"),
            exported_at=parse_instant(data.get("exported_at")),
            reported_at=parse_instant(data.get("reported_at")),
            author=opt_text(sub_object(data, "author"), "name"),
            reject_reason=reject_reason(data) if status == "rejected" else None,
            feature_id=feature_id,
            location=opt_text(data, "location"),
            operating_system=_device_os(data),
            **_device(data),
            steps=_steps(data),
            expected_result=opt_text(data, "expected_result"),
            actual_result=opt_text(data, "actual_result"),
            attachments=tuple(
                url
                for item in list_field(data, "attachments")
                if isinstance(item, Mapping) and (url := opt_text(item, "url")) is not None  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            ),
            comments=tuple(_comments(data)),
        )


def _steps(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The non-empty steps, trimmed; a step is one line (the cache keeps one per line)."""
    steps: list[str] = []
    for step in list_field(data, "steps"):
        if isinstance(step, str):
            text = step.strip()
            if "\n" in text or "\r" in text:
                text = " ".join(text.split())
            if text:
                steps.append(text[:MAX_TEXT])
    return tuple(steps)


def _device(data: Mapping[str, Any]) -> dict[str, Any]:
    """The first device's model, category and browsers (custom bugs have no device)."""
    for device in list_field(data, "devices"):
        if isinstance(device, Mapping):
            vendor = opt_text(sub_object(device, "vendor"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            model = opt_text(sub_object(device, "devices"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            named = " ".join(n for n in (vendor, model) if n)
            browsers = tuple(
                name
                for item in list_field(device, "browsers")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                if isinstance(item, Mapping) and (name := opt_text(item, "name")) is not None  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            )
            return {
                "device": named or None,
                "device_category": opt_text(sub_object(device, "category"), "name"),  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                "browsers": browsers,
            }
    return {}


def _comments(data: Mapping[str, Any]) -> list[BugComment]:
    comments: list[BugComment] = []
    for item in list_field(data, "comments"):
        if not isinstance(item, Mapping):
            continue
        body = opt_text(item, "body")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
        if body is None:
            continue
        comments.append(
            BugComment(
                author=opt_text(sub_object(item, "author"), "name"),  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                body=body,
                created_at=parse_instant(item.get("created_at")),  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]  # JSON object
            )
        )
    return comments


def _device_os(data: Mapping[str, Any]) -> str | None:
    """The operating system name of the first device that names one."""
    for device in list_field(data, "devices"):
        if isinstance(device, Mapping):
            name = opt_text(sub_object(device, "operating_system"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            if name is not None:
                return name
    return None


def reject_reason(data: Mapping[str, Any]) -> str | None:
    """The reject-reason key whose default comment appears in a comment body, else None."""
    for comment in list_field(data, "comments"):
        body = opt_text(comment, "body") if isinstance(comment, Mapping) else None  # pyright: ignore[reportUnknownArgumentType]
        if body is None:
            continue
        for key, text in REJECT_REASON_COMMENTS.items():
            if text in body:
                return key
    return None
