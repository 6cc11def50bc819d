"""What happens around every request: request id, rate limits, body checks, and on the
way out the rate-limit, security and X-Request-ID headers and one JSON log line."""

import time

import structlog
from flask import Flask, Response, g, request

from app.core import request_id
from app.core.errors import PayloadTooLarge, RateLimited, UnsupportedMediaType
from app.core.http import MAX_BODY_BYTES, SECURITY_HEADERS, bearer_token, is_json_content_type
from app.core.rate_limits import tiers_for
from app.wiring import components

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})

request_log = structlog.get_logger("app.request")


def register_request_hooks(app: Flask) -> None:
    app.before_request(_start)
    app.before_request(_count_against_rate_limits)
    app.before_request(_check_body)
    app.after_request(_finish)


def current_request_id() -> str:
    if "request_id" not in g:
        g.request_id = request_id.request_id_from(request.headers.get(request_id.HEADER))
    found: str = g.request_id
    return found


def _start() -> None:
    g.started_at = time.perf_counter()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=current_request_id())


def _count_against_rate_limits() -> None:
    token = bearer_token(request.headers.get("Authorization"))
    tiers = tiers_for(
        components().settings,
        method=request.method,
        path=request.path,
        ip=request.remote_addr or "unknown",
        user_id=components().codec.signed_subject(token) if token else None,
    )
    usage = components().limiter.hit(tiers)
    g.rate_limit = usage
    if usage is not None and not usage.allowed:
        raise RateLimited(usage.reset_seconds)


def _check_body() -> None:
    """For a route that takes a body: 415 before anything else, then 413 before the body
    is parsed. Without such a route, routing's 404 or 405 says more."""
    if request.method not in METHODS_WITH_BODY or request.url_rule is None:
        return
    if not is_json_content_type(request.headers.get("Content-Type")):
        raise UnsupportedMediaType()
    if request.content_length is None:
        # A chunked body: the server stops reading one byte past the limit
        # (MAX_CONTENT_LENGTH), so what is read tells whether it is too large.
        too_large = len(request.get_data(cache=True)) > MAX_BODY_BYTES
    else:
        too_large = request.content_length > MAX_BODY_BYTES
    if too_large:
        raise PayloadTooLarge()


def _finish(response: Response) -> Response:
    usage = g.get("rate_limit")
    if usage is not None:
        response.headers.update(usage.headers())
    if components().settings.is_production:
        response.headers.update(SECURITY_HEADERS)
    response.headers[request_id.HEADER] = current_request_id()
    started_at = g.get("started_at", time.perf_counter())
    request_log.info(
        "request",
        method=request.method,
        path=request.path,
        client=request.remote_addr,
        status=response.status_code,
        duration_ms=round((time.perf_counter() - started_at) * 1000, 2),
    )
    return response
