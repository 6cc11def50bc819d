"""Faults a test controls: a Redis server of its own to kill and restart, a TCP proxy
to cut a server off from PostgreSQL, a round-robin proxy in front of replicas, and a steady
stream of requests to watch through them. Everything listens on loopback only."""

import contextlib
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from harness.servers import free_port
from tests.contract.helpers import describe, new_client

CONNECT_SECONDS = 5.0
POLL_SECONDS = 0.1
REDIS_START_SECONDS = 20.0
# How long a relayed connection may outlive its client's side.
RELAY_SECONDS = 60.0


class TcpProxy:
    """Forwards a free loopback port to `upstream`. `cut()` closes every connection and
    refuses new ones; `restore()` accepts again on the same port. `stall()` is a network
    partition: connections stay open but nothing gets through, so clients wait for their
    timeouts; `unstall()` closes what stalled and forwards again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._accepting = threading.Event()
        self._acceptor: threading.Thread | None = None
        self._stalled = threading.Event()

    def stall(self) -> None:
        self._stalled.set()

    def unstall(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, set()
        self._stalled.clear()
        for connection in connections:
            close(connection)

    def restore(self) -> None:
        assert self._listener is None, "the proxy is already accepting"
        # create_server sets SO_REUSEADDR: the port is taken again despite closed connections.
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(POLL_SECONDS)
        self._accepting.set()
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._acceptor.start()

    start = restore

    def cut(self) -> None:
        if self._listener is not None:
            self._accepting.clear()
            assert self._acceptor is not None
            self._acceptor.join()
            self._listener.close()
            self._listener = None
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            close(connection)

    def _accept(self, listener: socket.socket) -> None:
        while self._accepting.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            if self._stalled.is_set():
                # Accepted, and never answered.
                with self._lock:
                    self._connections.add(client)
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=CONNECT_SECONDS)
            except OSError:
                close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._stalled.is_set():
                    target.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._connections -= {source, target}
        close(source)
        close(target)


class RoundRobinProxy:
    """A Service in front of replicas: each new connection to its free loopback port goes
    to the next backend in the rotation (a port on 127.0.0.1), as a Kubernetes Service
    spreads connections over its ready pods. `add` and `remove` change the rotation; a
    connection already open stays with its backend until it closes, as in Kubernetes."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._rotation: list[int] = []
        self._turn = 0
        self._open: dict[int, int] = {}
        self.routed: dict[int, int] = {}
        self.unrouted = 0
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(POLL_SECONDS)
        self._accepting = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._connections: set[socket.socket] = set()

    def __enter__(self) -> "RoundRobinProxy":
        self._accepting.set()
        self._acceptor.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._accepting.clear()
        self._acceptor.join()
        self._listener.close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for connection in connections:
            close(connection)

    def add(self, port: int) -> None:
        with self._lock:
            self._rotation.append(port)

    def remove(self, port: int) -> None:
        with self._lock:
            self._rotation.remove(port)

    def open_connections(self, port: int) -> int:
        with self._lock:
            return self._open.get(port, 0)

    def _next_backend(self) -> int | None:
        with self._lock:
            if not self._rotation:
                return None
            self._turn = (self._turn + 1) % len(self._rotation)
            port = self._rotation[self._turn]
            self._open[port] = self._open.get(port, 0) + 1
            self.routed[port] = self.routed.get(port, 0) + 1
            return port

    def _accept(self) -> None:
        while self._accepting.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            port = self._next_backend()
            if port is None:
                with self._lock:
                    self.unrouted += 1
                close(client)
                continue
            threading.Thread(target=self._relay, args=(client, port), daemon=True).start()

    def _relay(self, client: socket.socket, port: int) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_SECONDS)
        except OSError:
            # The client sees its connection closed unanswered: a failed request.
            close(client)
            self._closed(port)
            return
        upstream.settimeout(None)
        with self._lock:
            self._connections |= {client, upstream}
        answers = threading.Thread(target=forward, args=(upstream, client), daemon=True)
        answers.start()
        forward(client, upstream)
        answers.join(RELAY_SECONDS)
        with self._lock:
            self._connections -= {client, upstream}
        close(client)
        close(upstream)
        self._closed(port)

    def _closed(self, port: int) -> None:
        with self._lock:
            self._open[port] -= 1


def forward(source: socket.socket, target: socket.socket) -> None:
    """Bytes from source to target until source ends, then end target's side too."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


def close(connection: socket.socket) -> None:
    # shutdown wakes a thread blocked in recv on it, which close alone does not.
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    connection.close()


class RedisServer:
    """A redis-server of the test's own on a free loopback port. Without persistence,
    killed, it forgets everything, as a restarted cache does; with it (an append-only file
    written at every command), it comes back holding what it held."""

    def __init__(self, workdir: Path, persistent: bool = False) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not on PATH"
        self._binary = binary
        self._workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if persistent
            else ["--appendonly", "no"]
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._workdir.mkdir(parents=True, exist_ok=True)
        with (self._workdir / "redis.log").open("ab") as log:
            self._process = subprocess.Popen(
                [
                    self._binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    *self._persistence,
                    "--dir",
                    str(self._workdir),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + REDIS_START_SECONDS
        while not self.answers():
            assert self._process.poll() is None, "redis-server exited:\n" + self.log()
            assert time.monotonic() < deadline, "redis-server did not answer PING\n" + self.log()
            time.sleep(POLL_SECONDS)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=CONNECT_SECONDS)
        self._process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def keys(self) -> list[str]:
        result = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--scan"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return result.stdout.split()

    def log(self) -> str:
        return (self._workdir / "redis.log").read_text(errors="replace")[-3000:]


Request = Callable[[httpx.Client], httpx.Response]


class SteadyLoad:
    """A few threads sending `requests` in turn until stopped; every answer (or the
    failure to get one) is kept as (seconds since start, status or error text). A status
    other than 200 (or those given as `expected`) is a failure."""

    def __init__(
        self,
        base_url: str,
        requests: list[Request],
        threads: int = 3,
        expected: frozenset[int] = frozenset({200}),
    ) -> None:
        self._base_url = base_url
        self._requests = requests
        self._expected = expected
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self.outcomes: list[tuple[float, int | str]] = []
        self._threads = [
            threading.Thread(target=self._run, args=(number,), daemon=True)
            for number in range(threads)
        ]

    def __enter__(self) -> "SteadyLoad":
        self._started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join()

    def _run(self, number: int) -> None:
        with new_client(self._base_url) as client:
            turn = number
            while not self._stopping.is_set():
                send = self._requests[turn % len(self._requests)]
                turn += 1
                outcome: int | str
                try:
                    response = send(client)
                    outcome = response.status_code
                    if response.status_code not in self._expected:
                        outcome = describe(response)
                except (httpx.HTTPError, AssertionError) as exc:
                    outcome = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self.outcomes.append((time.monotonic() - self._started, outcome))

    def failures(self) -> list[str]:
        with self._lock:
            return [
                f"at {at:.2f} s: {outcome}"
                for at, outcome in self.outcomes
                if outcome not in self._expected
            ]

    def count(self) -> int:
        with self._lock:
            return len(self.outcomes)


def poll(check: Callable[[], str | None], seconds: float, interval: float = 0.25) -> None:
    """Call `check` until it returns None (done), failing with its last answer at the deadline."""
    deadline = time.monotonic() + seconds
    while (problem := check()) is not None:
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {problem}"
        time.sleep(interval)
