"""The console script as an operator meets it: refusals at start-up, SIGTERM, readiness
when a backing service is down, and the request log."""

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.baking import BakedProject
from harness.matrix import DependencySet
from harness.servers import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    JWT_SECRET,
    LiveServer,
    command,
    free_port,
    server_environment,
)
from tests.conftest import BakedSet
from tests.contract.conftest import NEEDS_SERVICES, SERVICE_PARAMS, Launch, server_params
from tests.contract.faults import RedisServer, poll
from tests.contract.helpers import (
    ME,
    PASSWORD,
    REFRESH,
    USERS,
    Api,
    assert_error,
    assert_status,
    assert_user,
    new_client,
    unique_email,
)
from tests.contract.servers import frameworks, sqlite_set

pytestmark = pytest.mark.contract

SQLITE_PARAMS = server_params([sqlite_set(f) for f in frameworks()])


def run_command(
    baked: BakedProject, args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the console script; one that does not stop by itself is killed and fails."""
    process = subprocess.Popen(
        command(baked.bin, baked.slug, *args),
        cwd=baked.path,
        env=server_environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"{' '.join(args)} was still running after {timeout} s\n{stdout}\n{stderr}"
        ) from None
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def assert_refused(result: subprocess.CompletedProcess[str], variable: str) -> None:
    output = f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 1, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output
    assert variable in lines[0], output
    assert "Traceback" not in result.stdout + result.stderr, output


def sqlite_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {
        "ENVIRONMENT": "test",
        "JWT_SECRET": JWT_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'refusal.db'}",
        **variables,
    }


REFUSALS = [
    ({"ENVIRONMENT": "production", "CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
    (
        {"ENVIRONMENT": "production", "CORS_ORIGINS": "https://a.example,*"},
        "CORS_ORIGINS",
    ),
    ({"ENVIRONMENT": "production", "JWT_SECRET": "too-short-secret"}, "JWT_SECRET"),
    ({"ENVIRONMENT": "production", "JWT_SECRET": ""}, "JWT_SECRET"),
    ({"ENVIRONMENT": "staging"}, "ENVIRONMENT"),
    ({"RATE_LIMIT_PER_IP": "lots"}, "RATE_LIMIT_PER_IP"),
    ({"RATE_LIMIT_LOGIN": "0"}, "RATE_LIMIT_LOGIN"),
    ({"ACCESS_TOKEN_TTL_SECONDS": "soon"}, "ACCESS_TOKEN_TTL_SECONDS"),
    ({"DATABASE_URL": "mysql://root@localhost/db"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
    ({"ENVIRONMENT": "production", "PASSWORD_HASH_PROFILE": "cheapest"}, "PASSWORD_HASH_PROFILE"),
    ({"PASSWORD_HASH_PROFILE": "fast"}, "PASSWORD_HASH_PROFILE"),
]


@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
@pytest.mark.parametrize(
    ("variables", "variable"),
    REFUSALS,
    ids=[f"{v}-{i}" for i, (_, v) in enumerate(REFUSALS)],
)
def test_serve_refuses_a_bad_setting_in_one_line(
    baked_set: BakedSet,
    dependency_set: DependencySet,
    tmp_path: Path,
    variables: dict[str, Any],
    variable: str,
) -> None:
    env = sqlite_env(tmp_path, **variables)
    result = run_command(baked_set(dependency_set), ["serve", "--port", str(free_port())], env)
    assert_refused(result, variable)


@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
def test_serve_refuses_several_workers_without_redis(
    baked_set: BakedSet, dependency_set: DependencySet, tmp_path: Path
) -> None:
    result = run_command(
        baked_set(dependency_set),
        ["serve", "--port", str(free_port()), "--workers", "2"],
        sqlite_env(tmp_path),
    )
    assert_refused(result, "--workers")


@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
def test_create_admin_with_a_taken_email_is_one_line_and_exit_1(
    baked_set: BakedSet, dependency_set: DependencySet, tmp_path: Path
) -> None:
    baked = baked_set(dependency_set)
    env = {**sqlite_env(tmp_path), "ADMIN_PASSWORD": "admin password 123"}
    assert run_command(baked, ["migrate"], env).returncode == 0
    args = ["create-admin", "--email", ADMIN_EMAIL, "--name", "First"]
    first = run_command(baked, args, env)
    assert first.returncode == 0, first.stderr
    second = run_command(baked, [*args[:-1], "Second"], env)
    assert second.returncode == 1, second
    assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    assert "Traceback" not in second.stderr


def read_response(connection: socket.socket) -> bytes:
    chunks = []
    while chunk := connection.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


IN_FLIGHT = 4


def new_connection_is_served(port: int) -> bool:
    """Whether a connection made now gets an HTTP answer (a refused, reset or silently
    closed one does not)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(
                b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            return read_response(connection).startswith(b"HTTP/")
    except OSError:
        return False


# What a server's processes hold is read from Linux's /proc.
NEEDS_PROC = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="counts connections in Linux's /proc"
)


@NEEDS_PROC
@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
def test_sigterm_finishes_the_requests_in_flight_serves_no_new_one_and_exits_0(
    launch: Launch, dependency_set: DependencySet
) -> None:
    live = launch(dependency_set, "sigterm")
    port = int(live.url.rsplit(":", 1)[1])
    requests = []
    for number in range(IN_FLIGHT):
        body = json.dumps(
            {"email": unique_email(f"inflight{number}"), "name": "In Flight", "password": PASSWORD}
        ).encode()
        head = (
            "POST /api/v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        requests.append((head, body))
    connections: list[socket.socket] = []
    try:
        for head, body in requests:
            connection = socket.create_connection(("127.0.0.1", port), timeout=30)
            connections.append(connection)
            connection.sendall(head + body[:10])
        # Accepted, not merely waiting in the listen backlog, which a stopping server drops.
        poll(lambda: in_flight_not_accepted(live, port), 10, interval=0.05)
        assert new_connection_is_served(port), "busy with requests in flight, it served no other"
        live.process.send_signal(signal.SIGTERM)
        poll(
            lambda: "new connections are served" if new_connection_is_served(port) else None,
            10,
            interval=0.05,
        )
        for connection, (_, body) in zip(connections, requests, strict=True):
            connection.sendall(body[10:])
        for connection in connections:
            response = read_response(connection)
            status_line = response.split(b"\r\n", 1)[0]
            assert b" 201 " in status_line + b" ", response[:2000]
        code = live.process.wait(timeout=20)
        assert code == 0, live.output()
    finally:
        for connection in connections:
            connection.close()
        live.stop()


@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
def test_readiness_is_503_when_the_database_is_unreachable(
    launch: Launch, dependency_set: DependencySet, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-directory" / "contract.db"
    live = launch(dependency_set, "no-database", database=f"sqlite:///{missing}", migrate=False)
    try:
        with new_client(live.url) as client:
            assert_status(client.get("/health"), 200)
            response = client.get("/health/ready")
            assert_error(response, 503, "unavailable", extra_keys=frozenset({"status", "checks"}))
            body = response.json()
            assert body["status"] == "error"
            assert body["checks"] == {"database": "error", "cache": "ok"}
    finally:
        assert live.stop() == 0, live.output()


def wait_for_log_entry(server: LiveServer, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for line in server.log_lines():
            if request_id in line:
                entry: dict[str, Any] = json.loads(line)
                if entry.get("request_id") == request_id and "status" in entry:
                    return entry
        time.sleep(0.1)
    raise AssertionError(f"no request log line with request_id {request_id}\n{server.output()}")


def test_request_log_is_json_and_never_holds_a_secret(api: Api, server: LiveServer) -> None:
    password = f"log secret {uuid.uuid4().hex}"
    account = api.account(password=password)
    request_id = f"log-{uuid.uuid4().hex}"
    response = api.client.get(ME, headers={**account.auth, "X-Request-ID": request_id})
    assert_status(response, 200)
    refresh_id = f"log-{uuid.uuid4().hex}"
    api.client.post(
        REFRESH, json={"refresh_token": account.refresh_token}, headers={"X-Request-ID": refresh_id}
    )
    entry = wait_for_log_entry(server, request_id)
    assert entry["method"] == "GET"
    assert entry["path"] == ME
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], int | float) and entry["duration_ms"] >= 0
    wait_for_log_entry(server, refresh_id)
    lines = server.log_lines()
    not_json = [line for line in lines if line.strip() and not line.lstrip().startswith("{")]
    assert not not_json, f"standard output lines that are not JSON: {not_json[:5]}"
    for line in lines:
        if line.strip():
            assert isinstance(json.loads(line), dict), line
    text = "\n".join(lines)
    for secret in (password, account.access_token, account.refresh_token):
        assert secret not in text, "a password or token was logged"


# Redis down needs a project built with Redis: the PostgreSQL and Redis set.
@NEEDS_SERVICES
@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_with_redis_down_readiness_is_503_reads_succeed_and_writes_are_refused(
    launch: Launch, dependency_set: DependencySet, tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    try:
        # Up for migrate and create-admin (a write), then gone before the first request.
        live = launch(dependency_set, "redis-down", env={"REDIS_URL": redis.url})
    finally:
        redis.kill()
    try:
        with new_client(live.url) as client:
            response = client.get("/health/ready")
            assert_error(response, 503, "unavailable", extra_keys=frozenset({"status", "checks"}))
            assert response.json()["checks"] == {"database": "ok", "cache": "error"}
            api = Api(client, issuer=live.slug)
            admin = api.admin()
            assert_error(api.sign_up(), 503, "unavailable")
            renamed = client.patch(
                api.user_path(admin.id), json={"name": "Never Stored"}, headers=admin.auth
            )
            assert_error(renamed, 503, "unavailable")
            assert_user(client.get(ME, headers=admin.auth).json()["data"], name=ADMIN_NAME)
            assert_status(client.get(USERS, headers=admin.auth), 200)
    finally:
        assert live.stop() == 0, live.output()


# Every framework's workers listen on a socket each; on one shared socket a burst of
# connections mostly went to whichever worker woke first (64/0 with gunicorn's, 57/7 with
# uvicorn's).
@NEEDS_SERVICES
@NEEDS_PROC
@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_a_burst_of_keep_alive_connections_is_spread_over_the_workers(
    launch: Launch, dependency_set: DependencySet
) -> None:
    live = launch(dependency_set, "spread", workers=2)
    try:
        wait_for_listening_sockets(live, 2)
        spreads = [burst_of_connections(live) for _ in range(3)]
    finally:
        assert live.stop() == 0, live.output()

    assert all(sum(held) == BURST and len(held) == 2 for held in spreads), spreads
    # An even spread over two sockets puts more than 3/4 of 64 on one once in 40,000 bursts.
    assert all(max(held) <= BURST * 3 // 4 for held in spreads), spreads


BURST = 64


def burst_of_connections(live: LiveServer) -> list[int]:
    """Open BURST connections at once, make a request on each, and return how many of them
    each worker holds."""
    port = int(live.url.rsplit(":", 1)[1])
    connections = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(BURST)]
    try:
        for connection in connections:
            connection.connect()
        for connection in connections:
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        # Counted while every connection is kept alive (KEEP_ALIVE_TIMEOUT_SECONDS, 5 s).
        return connections_per_worker(live.process.pid, port)
    finally:
        for connection in connections:
            connection.close()


ESTABLISHED, LISTEN = "01", "0A"


def wait_for_listening_sockets(live: LiveServer, count: int) -> None:
    """/health answers once one worker is up; the others may still be binding their sockets."""
    port = int(live.url.rsplit(":", 1)[1])
    deadline = time.monotonic() + 30
    while len(sockets_on(port, LISTEN)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} sockets listen: {live.output()}"
        time.sleep(0.1)


def sockets_on(port: int, state: str) -> set[str]:
    """The sockets on local `port` in TCP `state`, named as /proc/PID/fd links name them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(f"socket:[{fields[9]}]")
    return found


def sockets_of_children(parent: int) -> list[set[str]]:
    """The sockets each child process of `parent` holds, named as sockets_on names them."""
    held = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if int((process / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                held.append({os.readlink(fd) for fd in (process / "fd").iterdir()})
        except (FileNotFoundError, ProcessLookupError):
            continue
    return held


def connections_per_worker(arbiter: int, port: int) -> list[int]:
    """How many established connections to `port` each worker holds: each child process of
    `arbiter` that listens on `port` (uvicorn's supervisor has a helper child that does not)."""
    listening, established = sockets_on(port, LISTEN), sockets_on(port, ESTABLISHED)
    return [
        len(sockets & established)
        for sockets in sockets_of_children(arbiter)
        if sockets & listening
    ]


def in_flight_not_accepted(live: LiveServer, port: int) -> str | None:
    """None once the server's processes (the `serve` process and its workers) hold IN_FLIGHT
    connections to `port`; the kernel completes them before any process accepts them."""
    established = sockets_on(port, ESTABLISHED)
    own = {os.readlink(fd) for fd in Path(f"/proc/{live.process.pid}/fd").iterdir()}
    held = len(established & own.union(*sockets_of_children(live.process.pid)))
    return None if held >= IN_FLIGHT else f"{held} of {IN_FLIGHT} connections accepted"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "cert.pem", directory / "key.pem"
    result = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return certificate, key


def tls_version(port: int, maximum: ssl.TLSVersion | None = None) -> str | None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if maximum is not None:
        context.maximum_version = maximum
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return tls.version()


@pytest.mark.parametrize("dependency_set", SQLITE_PARAMS)
def test_serve_with_a_certificate_speaks_tls_1_3_only(
    launch: Launch, dependency_set: DependencySet, tmp_path: Path
) -> None:
    live = launch(dependency_set, "tls", tls=self_signed_certificate(tmp_path))
    port = int(live.url.rsplit(":", 1)[1])
    try:
        assert live.url.startswith("https://")
        with httpx.Client(base_url=live.url, verify=False, timeout=10) as client:
            assert client.get("/health").json() == {"status": "ok"}
        assert tls_version(port) == "TLSv1.3"
        with pytest.raises((ssl.SSLError, ConnectionError)):
            tls_version(port, maximum=ssl.TLSVersion.TLSv1_2)
        try:
            plain = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
        except httpx.TransportError:
            plain = None
        assert plain is None or plain.status_code != 200, "plain HTTP was served"
    finally:
        assert live.stop() == 0, live.output()
