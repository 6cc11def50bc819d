"""`serve`'s HTTP server (app/server.py), around a small ASGI application of this module's
own: what a client may hold or send, and the envelope it gets when it oversteps."""

import copy
import gc
import json
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr

from app.core.http import SECURITY_HEADERS
from app.core.settings import ConfigurationError, Settings
from app.server import ClientLimits, ServerConfig, listen_per_worker, require_tls_1_3, serve

LIMITS = ClientLimits(
    header_read_timeout=1,
    body_read_timeout=1,
    max_request_line=1024,
    max_header_bytes=2048,
    max_header_count=20,
    security_headers=True,
)
# Longer than any deadline above, so a test that waits for one never waits in vain.
PATIENCE_SECONDS = 5
# The event loop's timers run on a clock it reads once an iteration, so a deadline may
# pass up to that much before this process's own clock says it has.
TIMER_SLACK_SECONDS = 0.05
# In every refused request: never in an answer.
MARKER = b"MARKER-9f3c"


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the length of the body it read; at /early, before reading any."""
    body = b""
    more_body = scope["path"] != "/early"
    while more_body:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        more_body = message.get("more_body", False)
    answer = json.dumps({"read": len(body)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


def echo_factory() -> Any:
    return echo


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    config = ServerConfig(
        echo_factory,
        LIMITS,
        factory=True,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_config=None,
        timeout_keep_alive=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(PATIENCE_SECONDS)
        gc.unfreeze()


def exchange(port: int, request: bytes) -> tuple[bytes, float]:
    """What the server sends back until it closes the connection, and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(PATIENCE_SECONDS)
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received, time.monotonic() - started


def answer_of(received: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {
        name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines)
    }
    return int(status_line.split()[1]), headers, json.loads(body)


def assert_refused(received: bytes, status: int, code: str) -> dict[str, Any]:
    """The contract's envelope, with its request id and the security headers, and nothing
    of what the request held."""
    answered, headers, body = answer_of(received)
    assert answered == status, received
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    for name, value in SECURITY_HEADERS.items():
        assert headers[name.lower()] == value
    error: dict[str, Any] = body["error"]
    assert error["code"] == code
    assert error["request_id"] == headers["x-request-id"]
    assert MARKER not in received
    return error


HOST = b"Host: test\r\n"
POST_JSON = b"POST /body HTTP/1.1\r\n" + HOST + b"Content-Type: application/json\r\n"
LINE_OVER = MARKER * 100
BUFFER_OVER = MARKER * 400


def test_a_request_within_the_limits_is_answered(port: int) -> None:
    request = POST_JSON + b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"

    received, _ = exchange(port, request + b"2\r\n{}\r\n0\r\n\r\n")

    status, _, body = answer_of(received)
    assert (status, body) == (200, {"read": 2})


REFUSED = {
    "long-request-line": (b"GET /" + LINE_OVER + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414),
    "request-line-past-the-buffer": (b"GET /" + BUFFER_OVER + b" HTTP/1.1\r\n", 414),
    "large-header-block": (
        b"GET / HTTP/1.1\r\n" + HOST + b"X: " + LINE_OVER * 2 + b"\r\n\r\n",
        431,
    ),
    "header-block-past-the-buffer": (b"GET / HTTP/1.1\r\n" + HOST + b"X: " + BUFFER_OVER, 431),
    "too-many-headers": (b"GET / HTTP/1.1\r\n" + HOST + b"X-Many: 1\r\n" * 21 + b"\r\n", 431),
    "malformed-request-line": (b"GET /" + MARKER + b" HTTP/1.1 x\r\n" + HOST + b"\r\n", 400),
    "http-2-0": (b"GET / HTTP/2.0\r\n" + HOST + b"\r\n", 400),
    "length-and-chunked": (
        POST_JSON + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    "two-lengths": (POST_JSON + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400),
    "bad-chunk": (POST_JSON + b"Transfer-Encoding: chunked\r\n\r\nxyz\r\n" + MARKER, 400),
}
CODES = {414: "uri_too_long", 431: "headers_too_large", 400: "validation_error"}


@pytest.mark.parametrize("shape", REFUSED)
def test_a_request_the_server_refuses_is_answered_in_the_envelope(port: int, shape: str) -> None:
    request, status = REFUSED[shape]

    received, _ = exchange(port, request)

    assert_refused(received, status, CODES[status])


def test_a_refusal_keeps_the_request_id_the_client_sent(port: int) -> None:
    framing = b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"
    request = POST_JSON + b"X-Request-ID: trace-7\r\n" + framing + b"\r\n"

    error = assert_refused(exchange(port, request)[0], 400, "validation_error")

    assert error["request_id"] == "trace-7"
    assert error["details"] == [
        {"field": "request", "message": "must not carry both Content-Length and Transfer-Encoding"}
    ]


@pytest.mark.parametrize("sent", [b"", b"GET / HTTP/1.1\r\n" + HOST], ids=["silent", "half-head"])
def test_a_head_not_sent_in_time_is_closed_without_an_answer(port: int, sent: bytes) -> None:
    received, waited = exchange(port, sent)

    assert received == b""
    assert LIMITS.header_read_timeout - TIMER_SLACK_SECONDS <= waited < PATIENCE_SECONDS


def test_a_body_not_sent_in_time_is_refused(port: int) -> None:
    received, waited = exchange(port, POST_JSON + b'Content-Length: 100\r\n\r\n{"a": ')

    error = assert_refused(received, 400, "validation_error")
    assert error["details"][0]["field"] == "body"
    assert LIMITS.body_read_timeout - TIMER_SLACK_SECONDS <= waited < PATIENCE_SECONDS


def test_an_answer_given_before_the_body_leaves_the_connection_to_the_bodys_deadline(
    port: int,
) -> None:
    received, waited = exchange(
        port, b"POST /early HTTP/1.1\r\n" + HOST + b"Content-Length: 100\r\n\r\n{"
    )

    assert answer_of(received)[:1] == (200,)
    assert LIMITS.body_read_timeout - TIMER_SLACK_SECONDS <= waited < PATIENCE_SECONDS


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(port: int) -> None:
    received, waited = exchange(port, b"GET /first HTTP/1.1\r\n" + HOST + b"\r\n")

    assert answer_of(received)[0] == 200
    assert 1 - TIMER_SLACK_SECONDS <= waited < PATIENCE_SECONDS


def test_the_limits_come_from_the_settings() -> None:
    settings = Settings(
        environment="production",
        jwt_secret=SecretStr("a-production-secret-of-at-least-32-bytes"),
        password_hash_profile="rfc_9106_low_memory",
        header_read_timeout_seconds=3,
        max_header_count=50,
    )

    limits = ClientLimits.of(settings)

    assert (limits.header_read_timeout, limits.max_header_count) == (3, 50)
    assert limits.security_headers


def test_tls_starts_at_version_1_3() -> None:
    config = uvicorn.Config(echo_factory)
    context = require_tls_1_3(config, lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))

    assert context.minimum_version is ssl.TLSVersion.TLSv1_3


def test_a_worker_freezes_what_it_loaded_out_of_the_collectors_sight() -> None:
    gc.unfreeze()
    try:
        ServerConfig(echo_factory, LIMITS, factory=True).load()

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_certificate_needs_its_key() -> None:
    settings = Settings(jwt_secret=SecretStr("a-test-secret"))

    with pytest.raises(ConfigurationError, match="--certfile and --keyfile"):
        serve(
            echo_factory,
            settings,
            host="127.0.0.1",
            port=0,
            workers=1,
            certfile="c.pem",
            keyfile=None,
        )


LINUX_ONLY = pytest.mark.skipif(
    sys.platform != "linux", reason="serve gives workers a socket each on Linux only"
)


@LINUX_ONLY
def test_each_worker_gets_a_socket_of_its_own_and_connections_are_spread() -> None:
    sockets = listen_per_worker(uvicorn.Config(echo_factory, host="127.0.0.1", port=0))
    # What each worker finds when uvicorn starts it: the list, pickled, which goes through
    # the same __reduce__ as a copy.
    workers = [copy.copy(sockets)[0] for _ in range(2)]
    clients = []
    try:
        for listener in workers:
            listener.listen()
            listener.setblocking(False)
        port = sockets.reserved.getsockname()[1]
        assert {listener.getsockname()[1] for listener in workers} == {port}
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        accepted = [accept_all(listener) for listener in workers]
        # All 32 on one socket would happen once in two billion.
        assert sum(accepted) == 32
        assert min(accepted) > 0, accepted
    finally:
        for open_socket in [*clients, *workers, sockets.reserved]:
            open_socket.close()


def accept_all(listener: socket.socket) -> int:
    accepted = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return accepted
        connection.close()
        accepted += 1


@LINUX_ONLY
def test_a_port_in_use_is_a_configuration_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(ConfigurationError, match=f"127.0.0.1:{port}: Address already in use"):
            listen_per_worker(uvicorn.Config(echo_factory, host="127.0.0.1", port=port))
