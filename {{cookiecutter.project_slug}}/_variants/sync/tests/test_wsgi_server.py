"""What the WSGI application is handed under `serve`: each request with its body read whole,
given a Content-Length, and nothing read past the limit."""

import asyncio
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from app.core.http import MAX_BODY_BYTES
from app.wsgi_server import WholeRequests, whole_requests


class BodyEcho:
    """A WSGI application that remembers the length, framing and body it was handed."""

    def __init__(self) -> None:
        self.seen: tuple[str, str, bytes] | None = None
        self.closed = False

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.seen = (
            environ.get("CONTENT_LENGTH", ""),
            environ.get("HTTP_TRANSFER_ENCODING", ""),
            environ["wsgi.input"].read(),
        )
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def http_scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


def call(app: WholeRequests, scope: dict[str, Any], messages: list[dict[str, Any]]) -> list[Any]:
    """Run one request through `app`; what it sent back."""
    sent: list[Any] = []
    received = iter(messages)

    async def receive() -> Any:
        return next(received, {"type": "http.disconnect"})

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    return sent


def parts(body: bytes, size: int) -> list[dict[str, Any]]:
    """`body` as the server receives it: in pieces, the last one saying so."""
    pieces = [body[start : start + size] for start in range(0, len(body), size)] or [b""]
    return [
        {"type": "http.request", "body": piece, "more_body": number < len(pieces) - 1}
        for number, piece in enumerate(pieces)
    ]


def test_a_chunked_body_arrives_whole_with_a_length() -> None:
    echo = BodyEcho()
    scope = http_scope((b"transfer-encoding", b"chunked"))

    sent = call(WholeRequests(echo, threads=1), scope, parts(b'{"a": 1}', 3))

    assert echo.seen == ("8", "", b'{"a": 1}')
    assert sent[0]["status"] == 200


def test_a_chunked_body_is_read_only_one_byte_past_the_limit() -> None:
    echo = BodyEcho()
    scope = http_scope((b"transfer-encoding", b"chunked"))

    call(WholeRequests(echo, threads=1), scope, parts(b"x" * (MAX_BODY_BYTES + 100), 4096))

    assert echo.seen is not None
    length, _, body = echo.seen
    assert int(length) == len(body) == MAX_BODY_BYTES + 1


def test_a_body_declared_over_the_limit_is_not_read_before_the_application() -> None:
    declared = str(MAX_BODY_BYTES + 1).encode()
    read: list[str] = []

    def refuse(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        read.append(environ["CONTENT_LENGTH"])
        start_response("413 Content Too Large", [])
        return [b""]

    sent = call(
        WholeRequests(refuse, threads=1),
        http_scope((b"content-length", declared)),
        [{"type": "http.request", "body": b"never read", "more_body": True}],
    )

    assert read == [declared.decode()]
    assert sent[0]["status"] == 413


def test_a_client_gone_before_its_body_ends_reaches_no_thread() -> None:
    echo = BodyEcho()

    sent = call(
        WholeRequests(echo, threads=1),
        http_scope((b"content-length", b"10")),
        [{"type": "http.request", "body": b"12345", "more_body": True}],
    )

    assert echo.seen is None
    assert sent == []


def test_an_answer_is_sent_whole_once_the_application_returns() -> None:
    def legacy(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        write = start_response("201 Created", [("X-Part", "one")])
        write(b"written, ")
        return [b"then ", b"returned"]

    sent = call(WholeRequests(legacy, threads=1), http_scope(), parts(b"", 1))

    assert sent == [
        {"type": "http.response.start", "status": 201, "headers": [(b"x-part", b"one")]},
        {"type": "http.response.body", "body": b"written, then returned", "more_body": False},
    ]


def test_a_stopping_worker_closes_what_the_application_holds() -> None:
    echo = BodyEcho()

    def close(app: BodyEcho) -> None:
        app.closed = True

    sent = call(
        whole_requests(lambda: echo, 1, close),
        {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )

    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert echo.closed
