"""Confirmation tokens for writes: short-lived, single-use, bound to exactly one change.

A token is the change it confirms (action, reason, comment, and each bug with the state the
preview showed) plus an expiry and a nonce, signed with HMAC-SHA256 under a secret made
when the app opens, so it cannot be forged and dies with the server process. Used nonces
are remembered until they expire, so a token confirms one write only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import attrs

from testio.errors import TestioError

TOKEN_TTL: Final = timedelta(minutes=5)
PREVIEW_AGAIN = "call triage_bugs again without confirmation_token to preview the change"


class ConfirmationRefused(TestioError):
    """A confirmation token does not confirm this change now (stale, reused, foreign, forged)."""


@attrs.frozen
class Previewed:
    """One bug of a change as its preview showed it."""

    bug_id: int
    status: str
    auto_accepted: bool | None
    known: bool


@attrs.frozen
class Change:
    """What a token confirms: the action, its reason and comment, the bugs as previewed."""

    action: str
    reason: str | None
    comment: str | None
    bugs: tuple[Previewed, ...]

    def arguments(self) -> tuple[str, str | None, str | None, tuple[int, ...]]:
        """The part the caller chooses (the bug states are what the API says)."""
        return (self.action, self.reason, self.comment, tuple(sorted(b.bug_id for b in self.bugs)))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConfirmationTokens:
    """Issues and redeems the confirmation tokens of one app (one server process)."""

    def __init__(self, ttl: timedelta = TOKEN_TTL) -> None:
        self._secret = secrets.token_bytes(32)
        self._ttl = ttl
        self._used: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ConfirmationTokens ttl={self._ttl}, {len(self._used)} used>"

    def issue(self, change: Change, now: datetime) -> tuple[str, datetime]:
        """A token confirming `change` until the returned instant."""
        expires = (now + self._ttl).astimezone(UTC).replace(microsecond=0)
        payload = {
            "n": secrets.token_urlsafe(12),
            "e": int(expires.timestamp()),
            "a": change.action,
            "r": change.reason,
            "c": change.comment,
            "b": [[b.bug_id, b.status, b.auto_accepted, b.known] for b in change.bugs],
        }
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}", expires

    def redeem(self, token: str, asked: Change, now: datetime) -> Change:
        """The change the token confirms, if it may confirm `asked` now; used up on success.

        `asked` carries the caller's arguments (its bug states are not compared here: the
        caller compares them with what the API says now). Raises `ConfirmationRefused` with
        one sentence: forged, for another change, already used, or expired.
        """
        payload = self._verified(token)
        confirmed = Change(
            action=str(payload["a"]),
            reason=payload["r"],
            comment=payload["c"],
            bugs=tuple(Previewed(int(b[0]), str(b[1]), b[2], bool(b[3])) for b in payload["b"]),
        )
        if confirmed.arguments() != asked.arguments():
            raise ConfirmationRefused(
                "This confirmation token was issued for a different change (another action, "
                f"reason, comment or set of bugs); {PREVIEW_AGAIN} you mean and use its token."
            )
        nonce = str(payload["n"])
        expires = datetime.fromtimestamp(int(payload["e"]), UTC)
        with self._lock:
            self._forget_expired(now)
            if nonce in self._used:
                raise ConfirmationRefused(
                    f"This confirmation token was already used for a write; {PREVIEW_AGAIN} "
                    "if you want to make it again."
                )
            if now >= expires:
                raise ConfirmationRefused(
                    f"This confirmation token expired at {expires:%H:%M:%S} UTC (tokens last "
                    f"{int(self._ttl.total_seconds() // 60)} minutes); {PREVIEW_AGAIN}."
                )
            self._used[nonce] = expires
        return confirmed

    def _verified(self, token: str) -> dict[str, Any]:
        body, _, signature = token.strip().partition(".")
        forged = ConfirmationRefused(
            f"This confirmation token was not issued by this server (or it restarted since); "
            f"{PREVIEW_AGAIN}."
        )
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            raise forged
        try:
            payload: Any = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            raise forged from None
        if not isinstance(payload, dict):
            raise forged
        return payload  # pyright: ignore[reportUnknownVariableType]  # signed by us: our own shape

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest())

    def _forget_expired(self, now: datetime) -> None:
        for nonce in [n for n, until in self._used.items() if until <= now]:
            del self._used[nonce]


def change_of(
    action: str, reason: str | None, comment: str | None, bugs: Sequence[Previewed]
) -> Change:
    """A change in the canonical form tokens sign."""
    return Change(action=action, reason=reason, comment=comment, bugs=tuple(bugs))
