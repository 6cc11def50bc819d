"""Every error, from DRF, from Django or from the services, as the contract's envelope."""

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response

from app.api.request_context import current_request_id
from app.core.errors import (
    AppError,
    FieldError,
    Forbidden,
    InternalError,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
    error_body,
    error_for_status,
)
from app.core.logging import LogEvent

logger = structlog.get_logger(__name__)

BODY_FIELD = "body"
# DRF's name for errors that belong to the whole object rather than to one field.
NON_FIELD_KEYS = frozenset({"non_field_errors", "detail"})
# The database cannot be reached or used right now. The client may retry; the next
# request's health check replaces the broken connection once the database answers.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def json_error(error: AppError) -> JsonResponse:
    """The envelope as a plain Django response, for errors raised outside DRF views."""
    return JsonResponse(
        error_body(error, current_request_id()),
        status=error.status,
        headers=error.headers(),
        json_dumps_params={"separators": (",", ":")},
    )


def field_errors(detail: Any, default_field: str = BODY_FIELD) -> list[FieldError]:
    """DRF's nested error detail flattened to one message per top-level field."""
    if isinstance(detail, Mapping):
        return [
            {
                "field": default_field if key in NON_FIELD_KEYS else str(key),
                "message": _first_message(value),
            }
            for key, value in detail.items()
        ]
    return [{"field": default_field, "message": _first_message(detail)}]


def _first_message(detail: Any) -> str:
    if isinstance(detail, Mapping):
        return _first_message(next(iter(detail.values()), "is invalid"))
    if isinstance(detail, Sequence) and not isinstance(detail, str):
        return _first_message(detail[0]) if detail else "is invalid"
    return str(detail)


def as_app_error(exc: Exception) -> AppError | None:
    """The catalogue's error for an exception DRF or Django raised, if it is a client error."""
    match exc:
        case AppError():
            return exc
        case exceptions.ValidationError():
            return ValidationFailed(field_errors(exc.detail))
        case exceptions.ParseError():
            return ValidationFailed([{"field": BODY_FIELD, "message": str(exc.detail)}])
        case exceptions.NotAuthenticated():
            return Unauthorized()
        case exceptions.AuthenticationFailed():
            return Unauthorized(str(exc.detail))
        case exceptions.PermissionDenied() | PermissionDenied():
            return Forbidden()
        case exceptions.NotFound() | Http404():
            return NotFound()
        case exceptions.MethodNotAllowed():
            return MethodNotAllowed()
        case exceptions.UnsupportedMediaType():
            return UnsupportedMediaType()
        case exceptions.APIException():
            return error_for_status(exc.status_code)
    return None


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER. Anything unexpected is left to ErrorMiddleware (a logged 500)."""
    error = as_app_error(exc)
    if error is None and isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning(LogEvent.DATABASE_UNAVAILABLE, error=type(exc).__name__)
        error = Unavailable()
    if error is None:
        return None
    return Response(
        error_body(error, current_request_id()), status=error.status, headers=error.headers()
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error(ValidationFailed([{"field": BODY_FIELD, "message": "bad request"}]))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error(Forbidden())


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error(NotFound())


def server_error(request: HttpRequest) -> HttpResponse:
    return json_error(InternalError())
