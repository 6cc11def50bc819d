"""The WSGI application under `serve` (app/server.py): uvicorn's event loop reads each
request whole, and only then does one of the application's threads (a2wsgi's) take it, so
a client that sends slowly holds a connection, never a thread."""

from collections.abc import Callable
from functools import partial
from typing import TypeVar
from wsgiref.types import WSGIApplication

from a2wsgi import WSGIMiddleware
from a2wsgi.asgi_typing import HTTPScope, LifespanScope, Receive, ReceiveEvent, Scope, Send

from app.core.http import MAX_BODY_BYTES

FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding"})

App = TypeVar("App", bound=WSGIApplication)


class WholeRequests:
    """An ASGI application running `wsgi` on `threads` threads, each request handed over
    with its body read: at most one byte past MAX_BODY_BYTES, so that the application can
    tell it is too large, and with a Content-Length, chunked or not. A body declared larger
    than the limit is not read at all: the application refuses it (413) unread.
    `close` runs as the worker stops."""

    def __init__(
        self, wsgi: WSGIApplication, *, threads: int, close: Callable[[], None] | None = None
    ) -> None:
        self.app = WSGIMiddleware(wsgi, workers=threads)  # type: ignore[arg-type]
        self.close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http":
            await self._request(scope, receive, send)

    async def _request(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        headers = list(scope["headers"])
        declared = dict(headers).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more_body = True
        while more_body and len(body) <= MAX_BODY_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            if message["type"] == "http.request":
                body += message["body"]
                more_body = message.get("more_body", False)
        del body[MAX_BODY_BYTES + 1 :]
        headers = [(name, value) for name, value in headers if name not in FRAMING_HEADERS]
        headers.append((b"content-length", str(len(body)).encode()))
        read: ReceiveEvent = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app({**scope, "headers": headers}, _replaying(read, receive), send)

    async def _lifespan(self, scope: LifespanScope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.close is not None:
                    self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _replaying(read: ReceiveEvent, receive: Receive) -> Receive:
    """`receive` that gives what was read first, then what the client sends next (only
    ever a disconnect, as the request was read whole)."""
    pending = [read]

    async def receive_next() -> ReceiveEvent:
        return pending.pop() if pending else await receive()

    return receive_next


def whole_requests(
    load: Callable[[], App], threads: int, close: Callable[[App], None] | None = None
) -> WholeRequests:
    """What each worker serves: `serve` hands this, with its arguments, to every worker,
    which loads the WSGI application itself."""
    wsgi = load()
    return WholeRequests(wsgi, threads=threads, close=partial(close, wsgi) if close else None)
