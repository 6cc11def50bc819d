"""Clients that attack the server rather than use the API, through raw sockets on loopback:
slow heads and bodies, idle floods, oversized, malformed and smuggling-shaped requests, and
hostile JSON bodies. Each framework's server (two workers on PostgreSQL and Redis where the
machine has them) must keep answering normal requests, cut off what stalls, and answer what
it refuses in the contract's envelope without echoing it (decisions.md, "Hostile clients").

The deadlines are set short here (HEADER_READ_TIMEOUT_SECONDS and the rest), so that the
module waits seconds, not minutes; the limits on sizes keep their defaults.
"""

import contextlib
import json
import resource
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from harness.databases import services_available
from harness.servers import LiveServer
from tests.contract.conftest import Launch, server_params, stop_cleanly
from tests.contract.helpers import HTTP, USERS, assert_error, new_client
from tests.contract.servers import GENEROUS_LIMITS, frameworks, services_set, sqlite_set

pytestmark = pytest.mark.contract

HEAD_SECONDS = 2
BODY_SECONDS = 2
KEEP_ALIVE_SECONDS = 1
DEADLINES = {
    "HEADER_READ_TIMEOUT_SECONDS": str(HEAD_SECONDS),
    "BODY_READ_TIMEOUT_SECONDS": str(BODY_SECONDS),
    "KEEP_ALIVE_TIMEOUT_SECONDS": str(KEEP_ALIVE_SECONDS),
}
# The settings' defaults (app/core/settings.py), which the server keeps here.
MAX_REQUEST_LINE = 8192
MAX_HEADER_BYTES = 16384
MAX_HEADER_COUNT = 100
# A normal request is answered within this, whatever else the server holds: a bound for
# correctness (the request is not starved), not a performance target.
PROMPT_SECONDS = 5
SLOW_CLIENTS = 64
IDLE_CONNECTIONS = 1000
# In every refused request; never in an answer.
MARKER = b"MARKER-5e1d"


def hostile_sets() -> list[Any]:
    make = services_set if services_available() else sqlite_set
    return server_params([make(framework) for framework in frameworks()])


@pytest.fixture(scope="module", params=hostile_sets())
def hostile_server(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    """ENVIRONMENT=production, so that a refusal must carry the security headers too."""
    allow_file_descriptors(IDLE_CONNECTIONS * 2)
    dependency_set = request.param
    live = launch(
        dependency_set,
        "hostile",
        env={**GENEROUS_LIMITS, **DEADLINES, "ENVIRONMENT": "production"},
        workers=2 if dependency_set.use_redis == "y" else None,
    )
    yield live
    stop_cleanly(live)


def allow_file_descriptors(needed: int) -> None:
    """Room for the idle flood's sockets in this process and, as they inherit the limit, in
    the servers it starts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"needs {needed} open files, the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def connect(server: LiveServer) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port_of(server)))
    connection.settimeout(PROMPT_SECONDS + max(HEAD_SECONDS, BODY_SECONDS))
    return connection


def exchange(server: LiveServer, request: bytes) -> bytes:
    """Everything the server sends back until it closes the connection."""
    with connect(server) as connection:
        connection.sendall(request)
        return read_to_close(connection)


def read_to_close(connection: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def assert_answered_promptly(server: LiveServer) -> None:
    """A normal request that reads the database and Redis."""
    started = time.monotonic()
    with new_client(server.url) as client:
        response = client.get("/health/ready", timeout=PROMPT_SECONDS)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < PROMPT_SECONDS


def assert_closed_by_the_server(connection: socket.socket) -> None:
    """The server hangs up, within its deadline and some slack, without a word."""
    assert read_to_close(connection) == b""


class Dribbler(threading.Thread):
    """Connections that send a request line, then one header line per half second, never
    ending the head."""

    def __init__(self, server: LiveServer, count: int) -> None:
        super().__init__(daemon=True)
        self.connections = [connect(server) for _ in range(count)]
        self.stopped = threading.Event()
        for connection in self.connections:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: dribble\r\n")

    def run(self) -> None:
        line = 0
        while not self.stopped.wait(0.5):
            line += 1
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.sendall(b"X-Dribble-%d: 1\r\n" % line)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def test_slow_heads_neither_delay_a_normal_request_nor_outlive_their_deadline(
    hostile_server: LiveServer,
) -> None:
    dribbler = Dribbler(hostile_server, SLOW_CLIENTS)
    dribbler.start()
    try:
        for _ in range(3):
            assert_answered_promptly(hostile_server)
    finally:
        dribbler.stop()
    for connection in dribbler.connections:
        with connection:
            assert_closed_by_the_server(connection)


def test_an_idle_flood_neither_delays_a_normal_request_nor_outlives_its_deadline(
    hostile_server: LiveServer,
) -> None:
    flood = [connect(hostile_server) for _ in range(IDLE_CONNECTIONS)]
    try:
        for _ in range(3):
            assert_answered_promptly(hostile_server)
        for connection in flood:
            assert_closed_by_the_server(connection)
    finally:
        for connection in flood:
            connection.close()


def test_a_body_that_stops_short_is_refused_at_its_deadline(hostile_server: LiveServer) -> None:
    request = (
        f"POST {USERS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "X-Request-ID: short-body-1\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    started = time.monotonic()

    error = assert_refused(exchange(hostile_server, request + b'{"email": "'), 400)

    assert BODY_SECONDS <= time.monotonic() - started < BODY_SECONDS + PROMPT_SECONDS
    assert error["details"] == [{"field": "body", "message": error["details"][0]["message"]}]
    assert error["request_id"] == "short-body-1"


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(
    hostile_server: LiveServer,
) -> None:
    with connect(hostile_server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        received = read_to_close(connection)

    assert received.startswith(b"HTTP/1.1 200 ")
    assert KEEP_ALIVE_SECONDS <= time.monotonic() - started < KEEP_ALIVE_SECONDS + PROMPT_SECONDS


HOST = b"Host: x\r\n"
POST = f"POST {USERS} HTTP/1.1\r\n".encode() + HOST + b"Content-Type: application/json\r\n"
FILLER = MARKER * (MAX_HEADER_BYTES // len(MARKER))
REFUSED = {
    "request-line-over-8-KiB": (
        b"GET /health?q="
        + MARKER * (MAX_REQUEST_LINE // len(MARKER))
        + b" HTTP/1.1\r\n"
        + HOST
        + b"\r\n",
        414,
    ),
    "header-block-over-16-KiB": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-Filler: " + FILLER + b"\r\n\r\n",
        431,
    ),
    "header-block-past-every-limit": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-Filler: " + FILLER * 2,
        431,
    ),
    "more-than-100-headers": (
        b"GET /health HTTP/1.1\r\n" + HOST + b"X-Many: 1\r\n" * MAX_HEADER_COUNT + b"\r\n",
        431,
    ),
    "malformed-request-line": (b"GET /" + MARKER + b" HTTP/1.1 x\r\n" + HOST + b"\r\n", 400),
    "http-version-2": (b"GET /health HTTP/2.0\r\n" + HOST + b"\r\n", 400),
    "http-version-0-9": (b"GET /health HTTP/0.9\r\n" + HOST + b"\r\n", 400),
    "content-length-and-chunked": (
        POST + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + MARKER,
        400,
    ),
    "two-content-lengths": (POST + b"Content-Length: 2\r\nContent-Length: 12\r\n\r\n{}", 400),
    "bad-chunk-size": (POST + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + MARKER, 400),
}
CODES = {400: "validation_error", 414: "uri_too_long", 431: "headers_too_large"}


def assert_refused(received: bytes, status: int) -> dict[str, Any]:
    """The contract's envelope with its X-Request-ID and the production security headers,
    the connection closed, and nothing of the request in it."""
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    headers = {name.lower(): value for name, value in headers.items()}
    assert int(status_line.split()[1]) == status, received[:2000]
    assert headers["content-type"].startswith("application/json"), received[:2000]
    assert headers["connection"] == "close", received[:2000]
    for name, value in HTTP["SECURITY_HEADERS"].items():
        assert headers[name.lower()] == value, received[:2000]
    envelope = json.loads(body)
    assert set(envelope) == {"error"}, body
    error: dict[str, Any] = envelope["error"]
    assert error["code"] == CODES[status], body
    assert error["request_id"] == headers["x-request-id"], received[:2000]
    assert MARKER not in received and b"Traceback" not in received
    return error


@pytest.mark.parametrize("shape", REFUSED)
def test_what_the_server_refuses_is_answered_in_the_envelope(
    hostile_server: LiveServer, shape: str
) -> None:
    request, status = REFUSED[shape]

    error = assert_refused(exchange(hostile_server, request), status)

    if status == 400:
        assert [detail["field"] for detail in error["details"]] in (["request"], ["body"])


HOSTILE_BODIES = {
    "nested-200000-deep": b"[" * 200_000 + b"]" * 200_000,
    "nested-objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "number-of-400000-digits": b'{"email": ' + b"9" * 400_000 + b"}",
    "key-given-twice": b'{"email": "a@example.com", "email": "b@example.com"}',
    "invalid-utf-8": b'{"name": "\xff\xfe"}',
    "nul-byte": b'{"name": "a\x00b"}',
    "byte-order-mark": b'\xef\xbb\xbf{"name": "bom"}',
    "lone-surrogate": b'{"name": "\\ud800"}',
    "nan": b'{"name": NaN}',
}


@pytest.mark.parametrize("shape", HOSTILE_BODIES)
def test_a_hostile_json_body_is_a_400_naming_body(hostile_server: LiveServer, shape: str) -> None:
    with new_client(hostile_server.url) as client:
        response = client.post(
            USERS,
            content=HOSTILE_BODIES[shape],
            headers={"Content-Type": "application/json"},
            timeout=PROMPT_SECONDS,
        )

    assert_error(response, 400, "validation_error", {"body"})
