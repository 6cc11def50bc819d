"""The console script: migrate, create-admin, serve."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli import main

ADMIN = ["create-admin", "--email", "Root@Example.com", "--name", "Root"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with no .env, a fresh SQLite database and no contract variable set."""
    monkeypatch.chdir(tmp_path)
    for variable in ("DATABASE_URL", "REDIS_URL", "ENVIRONMENT", "LOG_LEVEL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("JWT_SECRET", "a-command-line-secret-of-enough-length-0123")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_migrate_then_create_admin(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "an admin password")

    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    assert main(ADMIN) == 0
    assert "root@example.com" in capsys.readouterr().out

    assert main(ADMIN) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "root@example.com" in err


def test_create_admin_prompts_for_the_password(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "too short")
    assert main(["migrate"]) == 0

    assert main(ADMIN) == 1
    assert "ADMIN_PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["create-admin", "--email", "not-an-email", "--name", "Root"], "--email"),
        (["create-admin", "--email", "a@example.com", "--name", " "], "--name"),
        (["serve", "--workers", "2"], "--workers"),
        (["serve", "--workers", "0"], "--workers"),
        (["serve", "--certfile", "cert.pem"], "--certfile"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_1(
    workdir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], named: str
) -> None:
    assert main(arguments) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert named in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://localhost/db"),
        ("RATE_LIMIT_PER_IP", "many"),
        ("LOG_LEVEL", "LOUD"),
        ("ENVIRONMENT", "staging"),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)

    assert main(["migrate"]) == 1

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert variable in err
    assert "Traceback" not in err


def test_production_refuses_a_weak_secret(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", "short")
    assert main(["serve"]) == 1
    assert "JWT_SECRET" in capsys.readouterr().err


LINUX_ONLY = pytest.mark.skipif(
    sys.platform != "linux", reason="serve gives workers a socket each on Linux only"
)


@LINUX_ONLY
def test_serve_on_a_port_in_use_is_one_line_and_exit_1(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["serve", "--workers", "2", "--port", str(port)]) == 1

    assert capsys.readouterr().err == (
        f"error: --host/--port 127.0.0.1:{port}: Address already in use\n"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_answers_and_exits_0_on_sigterm(workdir: Path) -> None:
    assert main(["migrate"]) == 0
    port = free_port()
    env = {**os.environ, "JWT_SECRET": ""}
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as response:
                    body = response.read()
            except OSError:
                time.sleep(0.1)
        assert body == b'{"status":"ok"}'
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    assert "JWT_SECRET is not set" in output
