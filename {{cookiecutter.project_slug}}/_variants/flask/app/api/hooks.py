"""What happens around every request: request id, rate limits, body checks, and on the
way out the rate-limit, security and X-Request-ID headers and one JSON log line."""

import time

import jwt
import structlog
from flask import Flask, Response, g, request

from app.api.wiring import components
from app.core import request_id
from app.core.errors import PayloadTooLarge, RateLimited, UnsupportedMediaType
from app.core.http import (
    API_PREFIX,
    MAX_BODY_BYTES,
    SECURITY_HEADERS,
    UNLIMITED_PATHS,
    bearer_token,
    is_json_content_type,
)
from app.ratelimit import Tier

LOGIN_PATH = f"{API_PREFIX}/auth/login"
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


def _rate_limit_tiers() -> list[Tier]:
    settings = components().settings
    client_ip = request.remote_addr or "unknown"
    tiers = [Tier("ip", settings.rate_limit_per_ip, client_ip)]
    user = _signed_subject(bearer_token(request.headers.get("Authorization")))
    if user is not None:
        tiers.append(Tier("user", settings.rate_limit_per_user, user))
    if request.method == "POST" and request.path == LOGIN_PATH:
        tiers.append(Tier("login", settings.rate_limit_login, client_ip))
    return tiers


def _signed_subject(token: str | None) -> str | None:
    """The subject of a token whose signature verifies, expired or not, without touching
    the database: whether the token is otherwise valid is the view's concern."""
    if token is None:
        return None
    codec = components().codec
    try:
        claims = jwt.decode(
            token,
            codec.secret,
            algorithms=[codec.algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


def _count_against_rate_limits() -> None:
    if request.path in UNLIMITED_PATHS:
        return
    verdict = components().limiter.hit(_rate_limit_tiers())
    g.rate_limit = verdict
    if verdict is not None and not verdict.allowed:
        raise RateLimited(verdict.reset_seconds)


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
    verdict = g.get("rate_limit")
    if verdict is not None:
        response.headers.update(verdict.headers())
    if components().settings.is_production:
        response.headers.update(SECURITY_HEADERS)
    response.headers[request_id.HEADER] = current_request_id()
    started_at = g.get("started_at", time.perf_counter())
    request_log.info(
        "request",
        method=request.method,
        path=request.path,
        status=response.status_code,
        duration_ms=round((time.perf_counter() - started_at) * 1000, 2),
    )
    return response
