"""The one catalogue of errors: each class is a code, a status and a default message.

Services and repositories raise these; each framework has one handler that turns
any of them into the contract's envelope with `error_body`.
"""

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict


class FieldError(TypedDict):
    field: str
    message: str


class AppError(Exception):
    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal server error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def headers(self) -> dict[str, str]:
        return {}


class InternalError(AppError):
    """Never carries the exception's text: the client sees only the code and message."""


class ValidationFailed(AppError):
    code = "validation_error"
    status = 400
    default_message = "Request is invalid"

    def __init__(self, details: Sequence[FieldError] = (), message: str | None = None) -> None:
        super().__init__(message)
        self.details = list(details)


class Unauthorized(AppError):
    code = "unauthorized"
    status = 401
    default_message = "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(AppError):
    code = "forbidden"
    status = 403
    default_message = "You are not allowed to do this"


class NotFound(AppError):
    code = "not_found"
    status = 404
    default_message = "Resource not found"


class MethodNotAllowed(AppError):
    code = "method_not_allowed"
    status = 405
    default_message = "Method not allowed"


class Conflict(AppError):
    code = "conflict"
    status = 409
    default_message = "Resource already exists"


class PayloadTooLarge(AppError):
    code = "payload_too_large"
    status = 413
    default_message = "Request body is too large"


class UriTooLong(AppError):
    """A request line over the server's limit (MAX_REQUEST_LINE_BYTES)."""

    code = "uri_too_long"
    status = 414
    default_message = "Request line is too long"


class HeadersTooLarge(AppError):
    """A header block over the server's limits (MAX_HEADER_BYTES, MAX_HEADER_COUNT)."""

    code = "headers_too_large"
    status = 431
    default_message = "Request headers are too large"


class UnsupportedMediaType(AppError):
    code = "unsupported_media_type"
    status = 415
    default_message = "Request body must be JSON"


class RateLimited(AppError):
    code = "rate_limited"
    status = 429
    default_message = "Too many requests"

    def __init__(self, retry_after_seconds: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class Unavailable(AppError):
    code = "unavailable"
    status = 503
    default_message = "Service unavailable"


BY_STATUS: Mapping[int, type[AppError]] = {
    cls.status: cls
    for cls in (
        ValidationFailed,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UriTooLong,
        UnsupportedMediaType,
        HeadersTooLarge,
        RateLimited,
        InternalError,
        Unavailable,
    )
}

INVALID_CREDENTIALS = "Invalid e-mail or password"
INVALID_TOKEN = "Invalid or expired token"
INVALID_REFRESH_TOKEN = "Invalid or expired refresh token"
EMAIL_TAKEN = "E-mail address is already registered"


def error_for_status(status: int) -> AppError:
    """The catalogue's error for a status a framework raised on its own (404, 405, 413...)."""
    cls = BY_STATUS.get(status)
    if cls is None or cls is RateLimited:
        return ValidationFailed() if 400 <= status < 500 else InternalError()
    return cls()


def error_body(error: AppError, request_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if isinstance(error, ValidationFailed):
        body["details"] = error.details
    body["request_id"] = request_id
    return {"error": body}
