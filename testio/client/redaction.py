"""Keeping the API token out of text bound for a person: messages, problems and logs."""

from __future__ import annotations

import re

import attrs

_HEADER_VALUE = re.compile(r"(?i)(authorization\W{1,3}(?:token|bearer)?\s*)[^\s'\",;]+")


@attrs.frozen
class Redactor:
    """Removes one secret (and any `Authorization:` header value) from text bound for a person."""

    secret: str = attrs.field(repr=False)

    def __call__(self, text: str, limit: int = 300) -> str:
        """`text` with the secret replaced, cut to `limit` characters."""
        if self.secret:
            text = text.replace(self.secret, "[redacted]")
        text = _HEADER_VALUE.sub(r"\1[redacted]", text)
        return text if len(text) <= limit else text[: limit - 1] + "…"
