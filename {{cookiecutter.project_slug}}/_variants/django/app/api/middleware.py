"""Middleware, outermost first as listed in settings.MIDDLEWARE."""

import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import structlog
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

from app.api.errors import json_error
from app.api.rate_limits import tiers_of
from app.api.request_context import bind_request_id, unbind_request_id
from app.core.errors import (
    InternalError,
    MethodNotAllowed,
    PayloadTooLarge,
    RateLimited,
    UnsupportedMediaType,
)
from app.core.http import MAX_BODY_BYTES, SECURITY_HEADERS, is_json_content_type
from app.core.logging import LogEvent
from app.core.request_id import HEADER as REQUEST_ID_HEADER
from app.core.settings import get_settings
from app.wiring import components

GetResponse = Callable[[HttpRequest], HttpResponse]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

request_logger = structlog.get_logger("app.request")
error_logger = structlog.get_logger("app.errors")


class RequestContextMiddleware:
    """Gives each request its X-Request-ID and logs it once answered."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = bind_request_id(request.headers.get(REQUEST_ID_HEADER))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        request_logger.info(
            "request",
            method=request.method,
            path=request.path,
            client=request.META.get("REMOTE_ADDR"),
            status=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        # The thread serves other requests next: none of them may log this id.
        unbind_request_id()
        return response


class SecurityHeadersMiddleware:
    """In production, the headers of app.core.http.SECURITY_HEADERS on every response,
    HSTS included even when TLS ends at a proxy in front (Django would skip it there)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.headers = SECURITY_HEADERS if get_settings().is_production else {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response


class RateLimitMiddleware:
    """Counts every request but the health checks, before anything else can refuse it."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        usage = components().limiter.hit(tiers_of(request))
        if usage is not None and not usage.allowed:
            response: HttpResponse = json_error(RateLimited(usage.reset_seconds))
        else:
            response = self.get_response(request)
        if usage is not None:
            for name, value in usage.headers().items():
                response[name] = value
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    """WhiteNoise, serving the docs page's files; a method other than GET or HEAD gets
    the error envelope with WhiteNoise's Allow, where WhiteNoise answers an empty 405."""

    @staticmethod
    def serve(static_file: Any, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = WhiteNoiseMiddleware.serve(static_file, request)
        if response.status_code != HTTPStatus.METHOD_NOT_ALLOWED:
            return response
        error = json_error(MethodNotAllowed())
        error["Allow"] = response["Allow"]
        return error


class JsonBodyMiddleware:
    """A POST, PUT or PATCH must say it carries JSON (else 415) and hold at most
    MAX_BODY_BYTES (else 413), before any view parses it. Routing answers first: these
    checks run once the URL has resolved (an unknown path was already a 404) and only
    for a method the view takes (any other is the view's 405)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        view_args: list[Any],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        method = request.method or ""
        if method not in BODY_METHODS or not _takes_method(view, method):
            return None
        if not is_json_content_type(request.META.get("CONTENT_TYPE")):
            return json_error(UnsupportedMediaType())
        if self._declared_length(request) > MAX_BODY_BYTES:
            return json_error(PayloadTooLarge())
        return None

    @staticmethod
    def _declared_length(request: HttpRequest) -> int:
        try:
            return int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 0


def _takes_method(view: Callable[..., HttpResponse], method: str) -> bool:
    """Whether a class-based view has a handler for the method (as its dispatch decides)."""
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return True
    handler = method.lower()
    return handler in view_class.http_method_names and hasattr(view_class, handler)


class ErrorMiddleware:
    """An exception no layer handled: logged with its stack trace, answered as a bare 500."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        error_logger.error(
            LogEvent.UNHANDLED_EXCEPTION,
            method=request.method,
            path=request.path,
            exc_info=exception,
        )
        response = json_error(InternalError())
        # Logged above with its request id; Django need not log it again.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
