"""Pure ASGI middleware: request ids, access logs and the last-resort 500; body checks; CORS."""

import time

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import STATE_REQUEST_ID, error_response
from app.core import request_id
from app.core.errors import InternalError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from app.core.http import MAX_BODY_BYTES, SECURITY_HEADERS, is_json_content_type
from app.core.json_body import load_json_object
from app.core.logging import LogEvent

logger = structlog.get_logger(__name__)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestContextMiddleware:
    """Outermost: gives each request its id, logs it, adds the response headers every
    response carries, and turns an unhandled exception into the contract's 500."""

    def __init__(self, app: ASGIApp, *, security_headers: bool) -> None:
        self.app = app
        self._extra_headers = SECURITY_HEADERS if security_headers else {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        current_id = request_id.request_id_from(Headers(scope=scope).get(request_id.HEADER))
        scope.setdefault("state", {})[STATE_REQUEST_ID] = current_id
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[request_id.HEADER] = current_id
                headers.update(self._extra_headers)
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=current_id):
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:
                logger.exception(
                    LogEvent.UNHANDLED_EXCEPTION, method=scope["method"], path=scope["path"]
                )
                if not response_started:
                    response = error_response(InternalError(), scope)
                    await response(scope, receive, send_with_headers)
            finally:
                logger.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    client=scope["client"][0] if scope.get("client") else None,
                    status=status,
                    duration_ms=round((time.perf_counter() - started_at) * 1000, 2),
                )


class BodyGuardMiddleware:
    """A body sent to a route that takes one must be JSON (415) and at most MAX_BODY_BYTES
    (413), checked before anything reads it: by Content-Length when given, and by counting
    as it streams in. Then it must be a JSON object by app/core/json_body.py's rules (400
    naming `body`), before FastAPI parses it again for the route."""

    def __init__(self, app: ASGIApp, *, router: Router) -> None:
        self.app = app
        self._router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not self._routed(scope)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if not is_json_content_type(headers.get("content-type")):
            await error_response(UnsupportedMediaType(), scope)(scope, receive, send)
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await error_response(PayloadTooLarge(), scope)(scope, receive, send)
            return
        body = bytearray()
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more_body = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                await error_response(PayloadTooLarge(), scope)(scope, receive, send)
                return
        try:
            load_json_object(bytes(body))
        except ValidationFailed as exc:
            await error_response(exc, scope)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _routed(self, scope: Scope) -> bool:
        """Whether a route takes this method at this path: if none does, routing's 404 or
        405 says more than a 415 would."""
        return any(route.matches(dict(scope))[0] is Match.FULL for route in self._router.routes)


class StrictCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, except that a request from an origin not listed gets no CORS
    headers at all (Starlette would still describe the allowed methods and headers)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = Headers(scope=scope).get("origin")
            if origin is not None and not self.is_allowed_origin(origin):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)
