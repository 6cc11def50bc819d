"""The pieces `serve` puts together: chunked bodies, gunicorn's settings, TLS and logs."""

import io
import logging
import ssl
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from gunicorn.config import Config

from app.api.chunked import ChunkedBodyMiddleware
from app.cli import _django_application
from app.core.http import MAX_BODY_BYTES
from app.server import GunicornServer, JsonGunicornLogger, require_tls_1_3


class BodyEcho:
    """A WSGI application that remembers the body and length it was handed."""

    def __init__(self) -> None:
        self.seen: tuple[str, bytes] = ("", b"")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.seen = (environ.get("CONTENT_LENGTH", ""), environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b""]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def _call(body: bytes, **environ: Any) -> tuple[str, bytes]:
    echo = BodyEcho()
    ChunkedBodyMiddleware(echo)({"wsgi.input": io.BytesIO(body), **environ}, _start_response)
    return echo.seen


def test_a_chunked_body_is_buffered_and_given_a_length() -> None:
    assert _call(b'{"a": 1}', HTTP_TRANSFER_ENCODING="chunked") == ("8", b'{"a": 1}')


def test_a_chunked_body_is_read_only_one_byte_past_the_limit() -> None:
    length, body = _call(b"x" * (MAX_BODY_BYTES + 100), HTTP_TRANSFER_ENCODING="chunked")

    assert int(length) == len(body) == MAX_BODY_BYTES + 1


def test_a_body_with_a_length_is_left_alone() -> None:
    assert _call(b"abc", CONTENT_LENGTH="3") == ("3", b"abc")


def test_gunicorn_gets_the_options_and_serves_the_django_application() -> None:
    server = GunicornServer(
        _django_application, {"bind": "127.0.0.1:9999", "workers": 1, "threads": 8}
    )

    assert server.cfg.bind == ["127.0.0.1:9999"]
    assert server.cfg.threads == 8
    assert callable(server.load())


def test_tls_starts_at_version_1_3() -> None:
    context = require_tls_1_3(None, lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))

    assert context.minimum_version is ssl.TLSVersion.TLSv1_3


def test_gunicorn_messages_go_through_the_root_logger() -> None:
    logger = JsonGunicornLogger(Config())

    assert logger.error_log.propagate
    assert not logger.error_log.handlers
    assert logger.access_log.disabled
    assert logging.getLogger().handlers
