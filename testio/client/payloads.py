"""Typed, tolerant parsing of the API objects we keep (products, features, tests, bugs).

Each `from_api` takes one decoded JSON object and returns an attrs value object, or raises
`PayloadError` when a required field is missing or has the wrong type (the caller skips that
item and records it). Optional fields tolerate nulls, missing keys, unknown enum values and
mixed timestamp offsets; timestamps become aware UTC datetimes. Secrets (test environment
credentials) are never read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Self

import attrs

from testio.errors import PayloadError

MAX_TEXT = 2000  # longer strings from the API are cut: a title is never a novel

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


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{what} is not a JSON object.")
    return value  # pyright: ignore[reportUnknownVariableType]  # JSON objects have str keys


def _id(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{what} has no valid integer {key!r}.")
    return value


def _opt_id(data: Mapping[str, Any] | None, key: str) -> int | None:
    if data is None:
        return None
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise PayloadError(f"{what} has no text {key!r}.")
    return value[:MAX_TEXT]


def _opt_text(data: Mapping[str, Any] | None, key: str) -> str | None:
    if data is None:
        return None
    value = data.get(key)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:MAX_TEXT] or None


def _opt_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 timestamp with any offset (or `Z`) as an aware UTC datetime; else None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # the API never sends naive times; read one as UTC, not local
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sub(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, Mapping) else None  # pyright: ignore[reportUnknownVariableType]


def _list(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else ()  # pyright: ignore[reportUnknownVariableType]


@attrs.frozen
class Section:
    """A named section of a product."""

    id: int
    name: str


@attrs.frozen
class Product:
    """A product on the account, with its section layout."""

    id: int
    name: str
    type: str | None
    description: str | None
    default_section_id: int | None
    sections: tuple[Section, ...]
    has_sections: bool

    @property
    def section_ids(self) -> tuple[int, ...]:
        """The sections to iterate for features and user stories."""
        return tuple(s.id for s in self.sections)

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one product; sections follow the detection rule of the API contract."""
        data = _obj(raw, "A product")
        pid = _id(data, "id", "A product")
        named = [_section(s) for s in _list(data, "sections")]
        with_default = [_section(s) for s in _list(data, "sections_with_default")]
        named_ok = [s for s in named if s is not None]
        default_ok = [s for s in with_default if s is not None]
        has_sections = len(named_ok) > 0 or len(default_ok) > 1
        return cls(
            id=pid,
            name=_opt_text(data, "name") or f"Product {pid}",
            type=_opt_text(data, "type"),
            description=_opt_text(data, "description"),
            default_section_id=_opt_id(data, "default_section_id"),
            sections=tuple(named_ok or default_ok),
            has_sections=has_sections,
        )


def _section(raw: Any) -> Section | None:
    if not isinstance(raw, Mapping):
        return None
    sid = _opt_id(raw, "id")  # pyright: ignore[reportUnknownArgumentType]
    if sid is None:
        return None
    return Section(id=sid, name=_opt_text(raw, "name") or f"Section {sid}")  # pyright: ignore[reportUnknownArgumentType]


@attrs.frozen
class Feature:
    """A catalogue feature; user stories are titles only."""

    id: int
    title: str
    description: str | None
    howtofind: str | None
    user_stories: tuple[str, ...]

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one catalogue feature."""
        data = _obj(raw, "A feature")
        return cls(
            id=_id(data, "id", "A feature"),
            title=_text(data, "title", "A feature"),
            description=_opt_text(data, "description"),
            howtofind=_opt_text(data, "howtofind"),
            user_stories=tuple(
                s[:MAX_TEXT] for s in _list(data, "user_stories") if isinstance(s, str)
            ),
        )


@attrs.frozen
class UserStory:
    """A user story of a product; it names no feature (features list stories by title)."""

    id: int
    title: str

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one user story (`path` repeats `title`)."""
        data = _obj(raw, "A user story")
        sid = _id(data, "id", "A user story")
        title = _opt_text(data, "title") or _opt_text(data, "path")
        if title is None:
            raise PayloadError(f"User story {sid} has no title.")
        return cls(id=sid, title=title)


@attrs.frozen
class TestFeature:
    """A feature as it stood for one test."""

    __test__ = False

    id: int
    feature_id: int | None
    title: str


@attrs.frozen
class Test:
    """An exploratory test (or test-case run); environment credentials are never kept."""

    __test__ = False

    id: int
    product_id: int
    title: str
    status: str
    review_status: str | None
    testing_type: str | None
    start_at: datetime | None
    end_at: datetime | None
    section_id: int | None
    environment_id: int | None
    environment_title: str | None
    created_by: str | None
    goal: str | None
    features: tuple[TestFeature, ...]

    @classmethod
    def from_api(cls, raw: Any, *, product_id: int | None = None) -> Self:
        """Parse one test; `product_id` is used when the payload lacks `product.id`."""
        data = _obj(raw, "A test")
        tid = _id(data, "id", "A test")
        what = f"Test {tid}"
        pid = _opt_id(_sub(data, "product"), "id") or product_id
        if pid is None:
            raise PayloadError(f"{what} has no product id.")
        status = _opt_text(data, "status")
        if status is None:
            raise PayloadError(f"{what} has no status.")
        env = _sub(data, "test_environment")
        features: list[TestFeature] = []
        for item in _list(data, "features"):
            if isinstance(item, Mapping):
                fid = _opt_id(item, "id")  # pyright: ignore[reportUnknownArgumentType]
                if fid is not None:
                    features.append(
                        TestFeature(
                            id=fid,
                            feature_id=_opt_id(item, "feature_id"),  # pyright: ignore[reportUnknownArgumentType]
                            title=_opt_text(item, "title") or "",  # pyright: ignore[reportUnknownArgumentType]
                        )
                    )
        return cls(
            id=tid,
            product_id=pid,
            title=_opt_text(data, "title") or _opt_text(data, "test_title") or f"Test {tid}",
            status=status,
            review_status=_opt_text(data, "review_status"),
            testing_type=_opt_text(data, "testing_type"),
            start_at=parse_instant(data.get("start_at")),
            end_at=parse_instant(data.get("end_at")),
            section_id=_opt_id(_sub(data, "section"), "id"),
            environment_id=_opt_id(env, "id"),
            environment_title=_opt_text(env, "title"),
            created_by=_opt_text(data, "created_by"),
            goal=_opt_text(data, "goal_text") or _opt_text(data, "goal"),
            features=tuple(features),
        )


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
        data = _obj(raw, "A bug")
        bid = _id(data, "id", "A bug")
        what = f"Bug {bid}"
        test_id = _opt_id(_sub(data, "test"), "id")
        if test_id is None:
            raise PayloadError(f"{what} has no test id.")
        status = _opt_text(data, "status")
        if status is None:
            raise PayloadError(f"{what} has no status.")
        feature_id = _opt_id(_sub(data, "test_feature"), "feature_id") or _opt_id(
            _sub(data, "feature"), "id"
        )
        return cls(
            id=bid,
            test_id=test_id,
            title=_opt_text(data, "title") or f"Bug {bid}",
            severity=_opt_text(data, "severity") or "unknown",
            status=status,
            auto_accepted=_opt_bool(data, "auto_accepted"),
            known=_opt_bool(data, "known") is True,
            fixed=_opt_bool(data, "fixed"),
            exported_at=parse_instant(data.get("exported_at")),
            reported_at=parse_instant(data.get("reported_at")),
            author=_opt_text(_sub(data, "author"), "name"),
            reject_reason=reject_reason(data) if status == "rejected" else None,
            feature_id=feature_id,
            location=_opt_text(data, "location"),
            operating_system=_device_os(data),
            **_device(data),
            steps=_steps(data),
            expected_result=_opt_text(data, "expected_result"),
            actual_result=_opt_text(data, "actual_result"),
            attachments=tuple(
                url
                for item in _list(data, "attachments")
                if isinstance(item, Mapping) and (url := _opt_text(item, "url")) is not None  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            ),
            comments=tuple(_comments(data)),
        )


def _steps(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The non-empty steps, trimmed; a step is one line (the cache keeps one per line)."""
    steps: list[str] = []
    for step in _list(data, "steps"):
        if isinstance(step, str):
            text = step.strip()
            if "\n" in text or "\r" in text:
                text = " ".join(text.split())
            if text:
                steps.append(text[:MAX_TEXT])
    return tuple(steps)


def _device(data: Mapping[str, Any]) -> dict[str, Any]:
    """The first device's model, category and browsers (custom bugs have no device)."""
    for device in _list(data, "devices"):
        if isinstance(device, Mapping):
            vendor = _opt_text(_sub(device, "vendor"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            model = _opt_text(_sub(device, "devices"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            named = " ".join(n for n in (vendor, model) if n)
            browsers = tuple(
                name
                for item in _list(device, "browsers")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                if isinstance(item, Mapping) and (name := _opt_text(item, "name")) is not None  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            )
            return {
                "device": named or None,
                "device_category": _opt_text(_sub(device, "category"), "name"),  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                "browsers": browsers,
            }
    return {}


def _comments(data: Mapping[str, Any]) -> list[BugComment]:
    comments: list[BugComment] = []
    for item in _list(data, "comments"):
        if not isinstance(item, Mapping):
            continue
        body = _opt_text(item, "body")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
        if body is None:
            continue
        comments.append(
            BugComment(
                author=_opt_text(_sub(item, "author"), "name"),  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
                body=body,
                created_at=parse_instant(item.get("created_at")),  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]  # JSON object
            )
        )
    return comments


def _device_os(data: Mapping[str, Any]) -> str | None:
    """The operating system name of the first device that names one."""
    for device in _list(data, "devices"):
        if isinstance(device, Mapping):
            name = _opt_text(_sub(device, "operating_system"), "name")  # pyright: ignore[reportUnknownArgumentType]  # JSON: keys are str
            if name is not None:
                return name
    return None


def reject_reason(data: Mapping[str, Any]) -> str | None:
    """The reject-reason key whose default comment appears in a comment body, else None."""
    for comment in _list(data, "comments"):
        body = _opt_text(comment, "body") if isinstance(comment, Mapping) else None  # pyright: ignore[reportUnknownArgumentType]
        if body is None:
            continue
        for key, text in REJECT_REASON_COMMENTS.items():
            if text in body:
                return key
    return None
