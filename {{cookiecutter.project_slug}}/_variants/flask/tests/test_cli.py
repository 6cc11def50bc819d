"""The console script: migrate, create-admin, serve."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from sqlalchemy import event, inspect

from app.api import shutdown
from app.cli import main
from app.repositories.database import create_database_engine
from app.wiring import db
from tests.conftest import TEST_REDIS_URL, AppFactory

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


def test_a_stopping_worker_closes_its_pools_which_reopen_on_demand(make_app: AppFactory) -> None:
    # Redis names the app's connections by this, so that they can be told from the suite's.
    name = f"worker-exit-{uuid.uuid4().hex}"
    app = make_app(redis_url=f"{TEST_REDIS_URL}?client_name={name}" if TEST_REDIS_URL else None)
    with app.app_context():
        engine = db.engine
    closed: list[object] = []
    event.listen(engine, "close", lambda connection, _record: closed.append(connection))
    # Readiness leaves a database connection, and a Redis one when configured, in the pools.
    assert app.test_client().get("/health/ready").status_code == 200

    shutdown(app)

    assert closed, "no pooled database connection was closed"
    if TEST_REDIS_URL:
        with redis.Redis.from_url(TEST_REDIS_URL) as client:
            assert not [c for c in client.client_list() if c["name"] == name]
    assert app.test_client().get("/health/ready").status_code == 200


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
