"""`serve`'s HTTP server, the same for FastAPI, Flask and Django: uvicorn, whose event loop
reads every request, with a protocol that bounds what a client may hold or send.

A connection has HEADER_READ_TIMEOUT_SECONDS to send a request's head (from its start, or
from the previous answer), BODY_READ_TIMEOUT_SECONDS to send the body, and
KEEP_ALIVE_TIMEOUT_SECONDS of silence between requests; then it is closed. A head over
MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES or MAX_HEADER_COUNT, a malformed one, and a body
cut short are answered here, in the contract's envelope (app/core/refusals.py), and the
connection closed. A head that times out is closed without an answer: nothing says the
client is still there to read one.
"""

import asyncio
import logging
import signal
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

import h11
import structlog
import uvicorn
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol
from uvicorn.server import ServerState
from uvicorn.supervisors import Multiprocess

from app.core.errors import AppError, HeadersTooLarge, UriTooLong, ValidationFailed
from app.core.refusals import refusal
from app.core.request_id import HEADER as REQUEST_ID_HEADER
from app.core.request_id import request_id_from
from app.core.serving import freeze_startup_objects, socket_per_worker
from app.core.settings import ConfigurationError, Settings

GRACEFUL_SHUTDOWN_SECONDS = 30
# How long a worker may take to answer its supervisor, imports and start-up included.
WORKER_STARTUP_SECONDS = 30
HTTP_VERSIONS = frozenset({b"1.0", b"1.1"})
REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()

refusal_log = structlog.get_logger("app.server")


def invalid_request(message: str) -> ValidationFailed:
    return ValidationFailed([{"field": "request", "message": message}])


def invalid_body(message: str) -> ValidationFailed:
    return ValidationFailed([{"field": "body", "message": message}])


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """What a client may send or hold (app/core/settings.py names each)."""

    header_read_timeout: int
    body_read_timeout: int
    max_request_line: int
    max_header_bytes: int
    max_header_count: int
    security_headers: bool

    @classmethod
    def of(cls, settings: Settings) -> "ClientLimits":
        return cls(
            header_read_timeout=settings.header_read_timeout_seconds,
            body_read_timeout=settings.body_read_timeout_seconds,
            max_request_line=settings.max_request_line_bytes,
            max_header_bytes=settings.max_header_bytes,
            max_header_count=settings.max_header_count,
            security_headers=settings.is_production,
        )

    def refusal_of(self, request: h11.Request) -> AppError | None:
        """Why a request h11 parsed is refused before the application sees it, if it is."""
        line = len(request.method) + len(request.target) + len(b"  HTTP/1.1")
        if line > self.max_request_line:
            return UriTooLong()
        if len(request.headers) > self.max_header_count:
            return HeadersTooLarge()
        if sum(len(name) + len(value) + 4 for name, value in request.headers) > (
            self.max_header_bytes
        ):
            return HeadersTooLarge()
        if request.http_version not in HTTP_VERSIONS:
            return invalid_request("must be HTTP/1.0 or HTTP/1.1")
        names = {name for name, _ in request.headers}
        # Each would frame the body its own way: a proxy in front may have read the other.
        if b"content-length" in names and b"transfer-encoding" in names:
            return invalid_request("must not carry both Content-Length and Transfer-Encoding")
        return None


class CheckedConnection(h11.Connection):
    """h11's server side, refusing what ClientLimits rules out the way h11 refuses a
    malformed request, by raising RemoteProtocolError; `refused` then says the answer."""

    def __init__(self, limits: ClientLimits) -> None:
        # h11 refuses a head it cannot complete within this many bytes.
        super().__init__(h11.SERVER, limits.max_request_line + limits.max_header_bytes)
        self.limits = limits
        self.refused: AppError | None = None
        self.request: h11.Request | None = None

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        awaiting_head = self.their_state is h11.IDLE
        if awaiting_head:
            self.request = None
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refused = self._malformed(exc, awaiting_head)
            raise
        if isinstance(event, h11.Request):
            self.request = event
            self.refused = self.limits.refusal_of(event)
            if self.refused is not None:
                raise h11.RemoteProtocolError(self.refused.message)
        return event

    def request_id(self) -> str:
        """The request's own X-Request-ID where it has a usable one, else a fresh one."""
        for name, value in self.request.headers if self.request else ():
            if name == REQUEST_ID_NAME:
                return request_id_from(value.decode("latin-1"))
        return request_id_from(None)

    def _malformed(self, exc: h11.RemoteProtocolError, awaiting_head: bool) -> AppError:
        if not awaiting_head:
            return invalid_body("is not valid chunked encoding")
        if exc.error_status_hint == HeadersTooLarge.status:
            # The head is still in h11's buffer, unparsed: where does its first line end?
            head = self.trailing_data[0]
            line_end = head.find(b"\n")
            too_long = line_end == -1 or line_end > self.limits.max_request_line
            return UriTooLong() if too_long else HeadersTooLarge()
        return invalid_request("is not valid HTTP/1.1")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's head and body, and the
    contract's envelope for whatever it refuses."""

    def __init__(
        self,
        config: "ServerConfig",
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = config.limits
        self.checked = self.conn = CheckedConnection(self.limits)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.body_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._set_deadlines()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadlines()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        self._set_deadlines()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._set_deadlines()

    def send_400_response(self, msg: str) -> None:
        """uvicorn calls this for any request h11 or CheckedConnection refused."""
        self._refuse(self.checked.refused or invalid_request("is not valid HTTP/1.1"))

    def _set_deadlines(self) -> None:
        """A head deadline while a request's head is awaited, a body deadline while its
        body is; each set when that wait begins."""
        if self.transport.is_closing():
            self._clear_deadlines()
            return
        state = self.conn.their_state
        if state is h11.IDLE:
            if self.head_deadline is None:
                self.head_deadline = self.loop.call_later(
                    self.limits.header_read_timeout, self._head_timed_out
                )
        elif self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None
        if state is h11.SEND_BODY:
            if self.body_deadline is None:
                self.body_deadline = self.loop.call_later(
                    self.limits.body_read_timeout, self._body_timed_out
                )
        elif self.body_deadline is not None:
            self.body_deadline.cancel()
            self.body_deadline = None

    def _clear_deadlines(self) -> None:
        for deadline in (self.head_deadline, self.body_deadline):
            if deadline is not None:
                deadline.cancel()
        self.head_deadline = self.body_deadline = None

    def _head_timed_out(self) -> None:
        self.head_deadline = None
        self.transport.close()

    def _body_timed_out(self) -> None:
        self.body_deadline = None
        if self.cycle is not None and not self.cycle.response_started:
            seconds = self.limits.body_read_timeout
            self._refuse(invalid_body(f"did not arrive in full within {seconds} s"))
        else:
            self.transport.close()

    def _refuse(self, error: AppError) -> None:
        """Answer `error` unless an answer is already under way, and close the connection."""
        request_id = self.checked.request_id()
        answer = refusal(error, request_id, security_headers=self.limits.security_headers)
        try:
            output = self.conn.send(
                h11.Response(
                    status_code=answer.status,
                    headers=answer.headers,
                    reason=STATUS_PHRASES[answer.status],
                )
            )
            output += self.conn.send(h11.Data(data=answer.body))
            output += self.conn.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            output = b""
        else:
            refusal_log.info(
                "refused",
                request_id=request_id,
                client=self.client[0] if self.client else None,
                status=answer.status,
                code=error.code,
            )
        if self.cycle is not None and not self.cycle.response_complete:
            # The application waits for a body that will not come: it reads a disconnect,
            # and whatever it still sends goes nowhere.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.write(output)
        self.transport.close()


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration for `serve`, loaded in each worker: the guarded protocol, no
    WebSocket, and the worker's start-up objects frozen once its app is built."""

    def __init__(self, app: str | Callable[[], Any], limits: ClientLimits, **options: Any) -> None:
        super().__init__(app, http=GuardedH11Protocol, ws="none", **options)
        self.limits = limits

    def load(self) -> None:
        super().load()
        freeze_startup_objects()


def require_tls_1_3(
    _config: uvicorn.Config, default_context: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    """uvicorn's TLS context for the certificate, with TLS 1.3 as the least a client may speak."""
    context = default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


class SocketPerWorker(list[socket.socket]):
    """The sockets uvicorn hands each worker it starts, which it does by pickling them: every
    worker unpickles a listening socket of its own on the reserved address, and the kernel
    spreads new connections over them (app/core/serving.py)."""

    def __init__(self, reserved: socket.socket) -> None:
        super().__init__()
        # Bound and never listening, so it takes no connections: it keeps the address for
        # workers started later, and a port in use failed here, before any worker.
        self.reserved = reserved

    def __reduce__(self) -> tuple[Callable[..., list[socket.socket]], tuple[object, ...]]:
        return worker_sockets, (self.reserved.family, self.reserved.getsockname())


def shareable_socket(family: int, address: tuple[str | int, ...]) -> socket.socket:
    """A TCP socket bound to `address` with SO_REUSEPORT, which every socket sharing the
    address sets."""
    bound = socket.socket(family)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bound.bind(address)
    except OSError:
        bound.close()
        raise
    return bound


def worker_sockets(family: int, address: tuple[str | int, ...]) -> list[socket.socket]:
    return [shareable_socket(family, address)]


def listen_per_worker(config: uvicorn.Config) -> SocketPerWorker:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        reserved = shareable_socket(family, (config.host, config.port))
    except OSError as exc:
        raise ConfigurationError(
            f"--host/--port {config.host}:{config.port}: {exc.strerror}"
        ) from None
    host, port = reserved.getsockname()[:2]
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        "https" if config.is_ssl else "http",
        f"[{host}]" if family == socket.AF_INET6 else host,
        port,
    )
    return SocketPerWorker(reserved)


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(
    app: str | Callable[[], Any],
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    """Run `app` (an ASGI application factory, or its import path) in `workers` processes
    until SIGTERM, which drains the connections and exits 0."""
    if (certfile is None) != (keyfile is None):
        raise ConfigurationError("--certfile and --keyfile go together")
    config = ServerConfig(
        app,
        ClientLimits.of(settings),
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        ssl_context_factory=require_tls_1_3 if certfile else None,
        log_config=None,
        access_log=False,
        # The app adds ProxyHeadersMiddleware for FORWARDED_ALLOW_IPS; uvicorn's own would
        # trust 127.0.0.1 (or that variable) even when the setting is empty.
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )
    # uvicorn drains the connections on SIGTERM, then raises the signal again: exit 0 then.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if socket_per_worker(workers):
        Multiprocess(config, sockets=listen_per_worker(config)).run()
    elif workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()
