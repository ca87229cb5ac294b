"""The reject reasons and the exact comment texts that reveal them."""

from __future__ import annotations

REJECT_REASONS: tuple[tuple[str, str, str], ...] = (
    (
        "device_not_relevant",
        "Device not relevant",
        "This device is not relevant and the bug will not be fixed.",
    ),
    (
        "ignored_instructions",
        "Instructions not followed",
        "The test instructions were not followed.",
    ),
    (
        "intended_behavior",
        "Intended behaviour",
        "The behaviour/design described here is intentional.",
    ),
    ("irrelevant", "Bug not relevant", "This bug is not relevant and will not be fixed."),
    ("known_bug", "Known bug", "This is a legit bug but already known."),
    (
        "not_reproducible",
        "Not reproducible",
        "With the information provided it was not possible to reproduce this bug.",
    ),
)

DEFAULT_COMMENTS: dict[str, str] = {key: comment for key, _, comment in REJECT_REASONS}
