"""The exception tree: every error testio raises on purpose derives from `TestioError`."""

from __future__ import annotations


class TestioError(Exception):
    """Base of every error testio raises on purpose; its message is one sentence for a person."""

    __test__ = False  # not a pytest test class, despite the name


class ConfigError(TestioError):
    """The configuration is missing or invalid."""


class InvalidArgumentError(TestioError):
    """A caller passed a value that cannot be used (bad date, unknown status, bad path)."""


class NotFoundInCacheError(TestioError):
    """An id is not known to the cache (nor, when asked, to the API)."""


class SyncInProgressError(TestioError):
    """Another sync holds the database's sync lock."""


class ServiceStateError(TestioError, RuntimeError):
    """A service or app was used outside its `async with` block, or entered twice."""


class CacheSchemaError(TestioError):
    """The cache database cannot be opened or rebuilt."""


class ApiError(TestioError):
    """The TestIO API answered with an error, or could not be reached."""

    def __init__(self, message: str, *, status: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.path = path


class AuthenticationError(ApiError):
    """The API token is missing or wrong (HTTP 401)."""


class ForbiddenError(ApiError):
    """The token may not see this resource (HTTP 403)."""


class NotFoundError(ApiError):
    """The resource does not exist for this token (HTTP 404)."""


class ApiValidationError(ApiError):
    """The API refused the request's content (HTTP 422 or 400)."""


class RateLimitedError(ApiError):
    """The API kept answering 429 beyond the retry budget."""

    def __init__(
        self, message: str, *, retry_after: float, status: int | None = 429, path: str | None = None
    ) -> None:
        super().__init__(message, status=status, path=path)
        self.retry_after = retry_after


class ServerError(ApiError):
    """The API kept failing with a 5xx status beyond the retry budget."""


class GatewayTimeoutError(ServerError):
    """The gateway timed out (HTTP 524) even on the smallest request."""


class ApiUnreachableError(ApiError):
    """The API could not be reached (connection refused, dropped, or timed out) after retries."""


class MalformedResponseError(ApiError):
    """The API answered 200 with a body that is not the JSON we expect."""


class PayloadError(TestioError):
    """One item of an API payload lacks a required field or has the wrong type; it is skipped."""
