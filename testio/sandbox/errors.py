"""Errors the simulated API answers with, each carrying its status code."""

from __future__ import annotations


class ApiError(Exception):
    """An error the API answers with a status code and an `{"error": ...}` body."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    """A malformed request (400)."""

    status = 400


class Unauthorized(ApiError):
    """A missing, malformed or unknown token (401)."""

    status = 401


class Forbidden(ApiError):
    """A resource of another account (403)."""

    status = 403


class NotFound(ApiError):
    """An id that does not exist (404)."""

    status = 404


class Unprocessable(ApiError):
    """A request that breaks a validation rule (422)."""

    status = 422


class ServerError(ApiError):
    """The simulated server failing on purpose (500)."""

    status = 500


class GatewayTimeout(ApiError):
    """A request too heavy for the gateway in front of the API (524, HTML body)."""

    status = 524
