"""The WSGI application under `serve` (app/server.py). uvicorn's event loop reads each
request whole; then one of the application's threads runs it to its end and hands the loop
the whole answer to send. A client that sends or reads slowly holds a connection, never a
thread, and a request crosses between the loop and a thread once each way (a2wsgi's own
middleware crosses for every part of an answer, which cost more CPU per request than the
request itself: decisions.md, "Hostile clients")."""

import asyncio
import contextvars
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from wsgiref.types import WSGIApplication, WSGIEnvironment

from a2wsgi.asgi_typing import HTTPScope, LifespanScope, Receive, Scope, Send
from a2wsgi.wsgi import build_environ

from app.core.http import MAX_BODY_BYTES

FRAMING_HEADERS = frozenset({b"content-length", b"transfer-encoding"})

App = TypeVar("App", bound=WSGIApplication)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class WholeRequests:
    """An ASGI application running `wsgi` on `threads` threads, each request handed over
    with its body read: at most one byte past MAX_BODY_BYTES, so that the application can
    tell it is too large, and with a Content-Length, chunked or not. A body declared larger
    than the limit is not read at all: the application refuses it (413) by its length.
    `close` runs as the worker stops."""

    def __init__(
        self, wsgi: WSGIApplication, *, threads: int, close: Callable[[], None] | None = None
    ) -> None:
        self.wsgi = wsgi
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")
        self.close = close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http":
            await self._request(scope, receive, send)

    async def _request(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        headers = list(scope["headers"])
        declared = dict(headers).get(b"content-length", b"")
        body = bytearray()
        if not (declared.isdigit() and int(declared) > MAX_BODY_BYTES):
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
        # a2wsgi builds the environ (PEP 3333's names and encodings); it reads the body
        # through a stream of its own, and a buffer of the whole body reads the same.
        stream: Any = io.BytesIO(body)
        environ: WSGIEnvironment = dict(build_environ({**scope, "headers": headers}, stream))
        # Each request runs in a copy of the loop's context, as asyncio runs each task.
        run = partial(contextvars.copy_context().run, self._run, environ)
        answer = await asyncio.get_running_loop().run_in_executor(self.threads, run)
        await send(
            {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        )
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})

    def _run(self, environ: WSGIEnvironment) -> Answer:
        """The WSGI call, on one of the threads, to the end of its answer."""
        started: list[Any] = []
        parts: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> Any:
            # Nothing is sent before the application returns, so a later call (an error
            # handler's, with exc_info) simply replaces the status and headers.
            started[:] = [status, headers]
            return parts.append

        chunks: Iterable[bytes] = self.wsgi(environ, start_response)
        try:
            parts.extend(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = started
        return Answer(
            int(status.split(" ", 1)[0]),
            [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
            b"".join(parts),
        )

    async def _lifespan(self, scope: LifespanScope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.threads.shutdown()
                if self.close is not None:
                    self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def whole_requests(
    load: Callable[[], App], threads: int, close: Callable[[App], None] | None = None
) -> WholeRequests:
    """What each worker serves: `serve` hands this, with its arguments, to every worker,
    which loads the WSGI application itself."""
    wsgi = load()
    return WholeRequests(wsgi, threads=threads, close=partial(close, wsgi) if close else None)
