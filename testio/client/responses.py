"""What TestIO's answers mean, with no I/O: the typed error for a status, the envelopes, error bodies.

The client reads bytes off the wire; these functions decide what those bytes and statuses say.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from testio.errors import (
    ApiError,
    ApiValidationError,
    AuthenticationError,
    ForbiddenError,
    GatewayTimeoutError,
    NotFoundError,
    ServerError,
)

T = TypeVar("T")

GATEWAY_TIMEOUT = 524  # the CDN's "origin took too long": retrying the same request rarely helps


class BadShape(Exception):
    """A 2xx body that is JSON but not the envelope the endpoint promises."""


def status_error(status: int, request: str, path: str, *, attempts: int = 1) -> ApiError:
    """The typed error for an HTTP status the client will not (or no longer) retry."""
    if status == 401:
        return AuthenticationError(
            f"TestIO rejected the API token on {request} (HTTP 401); check TESTIO_API_TOKEN.",
            status=status,
            path=path,
        )
    if status == 403:
        return ForbiddenError(
            f"The API token may not read {request} (HTTP 403); "
            "use the token of the account that owns it.",
            status=status,
            path=path,
        )
    if status == 404:
        return NotFoundError(
            f"TestIO has nothing at {request} for this token (HTTP 404); check the id.",
            status=status,
            path=path,
        )
    if status in (400, 422):
        return ApiValidationError(
            f"TestIO refused {request} as invalid (HTTP {status}); check the ids and arguments.",
            status=status,
            path=path,
        )
    if status == GATEWAY_TIMEOUT:
        return GatewayTimeoutError(
            f"TestIO's gateway timed out on {request} (HTTP 524); ask for fewer items at once.",
            status=status,
            path=path,
        )
    if status >= 500:
        return ServerError(
            f"TestIO kept failing on {request} with HTTP {status} ({attempts} attempts); "
            "try again later.",
            status=status,
            path=path,
        )
    return ApiError(
        f"TestIO answered {request} with unexpected HTTP {status}; report it if it persists.",
        status=status,
        path=path,
    )


def error_text(body: bytes) -> str | None:
    """The `error` key of a JSON error body, if it has one; no decision ever depends on it."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        error = cast(dict[str, object], data).get("error")
        if isinstance(error, str):
            return error
    return None


def list_in(key: str) -> Callable[[Any], list[object]]:
    """A parser for `{key: [...]}` that returns the list."""

    def take(data: Any) -> list[object]:
        value = _member(data, key)
        if not isinstance(value, list):
            raise BadShape(f"{key!r} is not a list")
        return cast(list[object], value)

    return take


def one_in(key: str, parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """A parser for `{key: {...}}` that returns `parse` of the object."""

    def take(data: Any) -> T:
        return parse(_member(data, key))

    return take


def _member(data: object, key: str) -> object:
    if not isinstance(data, dict) or key not in data:
        raise BadShape(f"the body is not an object with {key!r}")
    return cast(dict[str, object], data)[key]
