"""The console script: migrate, create-admin, serve."""

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import event, inspect

from app.api import create_app
from app.cli import close_worker_pools, main
from app.core.settings import ConfigurationError
from app.repositories.database import create_database_engine
from app.server import GunicornServer, JsonGunicornLogger, require_tls_1_3, server_options
from app.wiring import db
from tests.conftest import TEST_REDIS_URL, AppFactory, make_settings

ADMIN_PASSWORD = "an admin passphrase"
# Generous: a loaded CI machine may take a while to import and fork.
STARTUP_WAIT_SECONDS = 90


@pytest.fixture
def env(sqlite_file: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "DATABASE_URL": sqlite_file,
        "ENVIRONMENT": "test",
        "JWT_SECRET": "a-cli-secret-that-is-long-enough-for-hs256",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("REDIS_URL", "ADMIN_PASSWORD", "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_migrate_creates_the_tables(env: dict[str, str]) -> None:
    code, out, _ = run("migrate")

    assert code == 0 and "up to date" in out
    engine = create_database_engine(env["DATABASE_URL"])
    assert {"users", "refresh_tokens"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert run("migrate")[0] == 0


def test_create_admin_takes_the_password_from_the_environment(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run("migrate")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)

    code, out, _ = run("create-admin", "--email", "Root@Example.com", "--name", "Root")

    assert code == 0 and "root@example.com" in out


def test_create_admin_prompts_for_the_password(env: dict[str, str]) -> None:
    run("migrate")

    code, out, _ = run(
        "create-admin",
        "--email",
        "root@example.com",
        "--name",
        "Root",
        stdin=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n",
    )

    assert code == 0 and ADMIN_PASSWORD not in out


def test_create_admin_with_a_taken_email_is_one_line_and_exit_1(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run("migrate")
    monkeypatch.setenv("ADMIN_PASSWORD", ADMIN_PASSWORD)
    run("create-admin", "--email", "root@example.com", "--name", "Root")

    code, _, err = run("create-admin", "--email", "ROOT@example.com", "--name", "Root")

    assert code == 1
    assert err.strip().count("\n") == 0 and "already registered" in err


def test_create_admin_refuses_a_weak_password(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "short")

    code, _, err = run("create-admin", "--email", "root@example.com", "--name", "Root")

    assert code == 1 and "12-128" in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://nope"), ("RATE_LIMIT_PER_IP", "many"), ("REDIS_URL", "http://x")],
)
def test_a_bad_setting_is_one_line_naming_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    for command in (["migrate"], ["serve"], ["create-admin", "--email", "a@b.co", "--name", "A"]):
        code, _, err = run(*command)
        assert code == 1
        assert err.startswith("error: ") and variable in err and err.count("\n") == 1
        assert "Traceback" not in err


def test_production_refuses_a_weak_secret(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", "short")

    code, _, err = run("serve")

    assert code == 1 and "JWT_SECRET" in err


def test_serve_refuses_several_workers_without_redis(env: dict[str, str]) -> None:
    code, _, err = run("serve", "--workers", "2")

    assert code == 1 and "REDIS_URL" in err


def test_server_options(database_url: str) -> None:
    settings = make_settings(database_url, redis_url=None)

    options = server_options(settings, "127.0.0.1", 8000, None, None, None)

    assert options["bind"] == "127.0.0.1:8000"
    assert (options["workers"], options["worker_class"]) == (1, "gthread")
    assert not options["reuse_port"]
    assert "certfile" not in options
    assert server_options(settings, "::1", 8000, 1, None, None)["bind"] == "[::1]:8000"
    with pytest.raises(ConfigurationError):
        server_options(settings, "127.0.0.1", 8000, None, "cert.pem", None)


def test_several_workers_with_redis(database_url: str) -> None:
    settings = make_settings(database_url, redis_url="redis://127.0.0.1:6379/0")

    default = server_options(settings, "127.0.0.1", 8000, None, None, None)
    assert default["workers"] == os.cpu_count()
    two = server_options(settings, "127.0.0.1", 8000, 2, None, None)
    assert (two["workers"], two["threads"]) == (2, 4)
    assert two["reuse_port"] is (sys.platform == "linux")


def test_tls_options_require_tls_1_3(database_url: str) -> None:
    options = server_options(make_settings(database_url), "0.0.0.0", 8443, None, "c.pem", "k.pem")  # noqa: S104

    assert (options["certfile"], options["keyfile"]) == ("c.pem", "k.pem")
    context = options["ssl_context"](None, lambda: ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert require_tls_1_3 is options["ssl_context"]


def test_gunicorn_is_configured_and_builds_the_app(env: dict[str, str], database_url: str) -> None:
    settings = make_settings(database_url, redis_url=None)
    options = server_options(settings, "127.0.0.1", 8000, None, None, None)
    server = GunicornServer(create_app, options)

    assert server.cfg.workers == 1 and server.cfg.threads == options["threads"]
    logger = JsonGunicornLogger(server.cfg)
    assert logger.error_log.propagate and logger.access_log.disabled
    app = server.load()
    assert isinstance(app, Flask)
    with app.test_client() as client:
        assert client.get("/health").status_code == 200


def test_a_worker_closes_its_pools_on_exit(make_app: AppFactory) -> None:
    # Redis names the app's connections by this, so that they can be told from the suite's.
    name = f"worker-exit-{uuid.uuid4().hex}"
    app = make_app(redis_url=f"{TEST_REDIS_URL}?client_name={name}" if TEST_REDIS_URL else None)
    with app.app_context():
        engine = db.engine
    closed: list[object] = []
    event.listen(engine, "close", lambda connection, _record: closed.append(connection))
    # Readiness leaves a database connection, and a Redis one when configured, in the pools.
    assert app.test_client().get("/health/ready").status_code == 200

    close_worker_pools(None, SimpleNamespace(wsgi=app))

    assert closed, "no pooled database connection was closed"
    if TEST_REDIS_URL:
        with redis.Redis.from_url(TEST_REDIS_URL) as client:
            assert not [c for c in client.client_list() if c["name"] == name]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_and_exits_0_on_sigterm(env: dict[str, str], tmp_path: Path) -> None:
    assert run("migrate")[0] == 0
    port = free_port()
    script = Path(sys.executable).parent / "python"
    process = subprocess.Popen(
        [str(script), "-c", "from app.cli import main; main()", "serve", "--port", str(port)],
        env={**os.environ, **env, "LOG_LEVEL": "INFO"},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        answer = b""
        deadline = time.monotonic() + STARTUP_WAIT_SECONDS
        while not answer and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as response:
                    answer = response.read()
            except OSError:
                time.sleep(0.2)
        assert answer == b'{"status":"ok"}\n'
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert b'"event": "request"' in stdout
