"""The console script: migrate, create-admin and serve."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.users.models import User
from tests.conftest import PASSWORD


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def test_migrate_brings_the_schema_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["migrate"], capsys)

    assert code == 0


def test_create_admin_takes_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)

    code, _ = run(["create-admin", "--email", "Root@Example.com", "--name", "Root"], capsys)

    assert code == 0
    admin = User.objects.get(email="root@example.com")
    assert admin.role == "admin"


def test_create_admin_prompts_for_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: PASSWORD)

    code, _ = run(["create-admin", "--email", "root@example.com", "--name", "Root"], capsys)

    assert code == 0
    assert User.objects.filter(email="root@example.com").exists()


def test_create_admin_with_a_taken_email_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    run(["create-admin", "--email", "root@example.com", "--name", "Root"], capsys)

    code, err = run(["create-admin", "--email", "root@example.com", "--name", "Root"], capsys)

    assert code == 1
    assert err.strip().count("\n") == 0
    assert "root@example.com" in err


@pytest.mark.parametrize(("password", "message"), [("short", "password"), ("", "password")])
def test_create_admin_refuses_a_weak_password(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    password: str,
    message: str,
) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    monkeypatch.setattr("getpass.getpass", lambda prompt: password)

    code, err = run(["create-admin", "--email", "root@example.com", "--name", "Root"], capsys)

    assert code == 1
    assert message in err


def test_a_bad_setting_is_one_line_naming_the_variable(
    configure: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    configure(RATE_LIMIT_PER_IP="many")

    code, err = run(["serve"], capsys)

    assert code == 1
    assert err.startswith("error: RATE_LIMIT_PER_IP")
    assert "Traceback" not in err


def test_several_workers_need_redis(
    configure: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    configure(REDIS_URL="")

    code, err = run(["serve", "--workers", "2"], capsys)

    assert code == 1
    assert "REDIS_URL" in err


def test_a_certificate_needs_its_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["serve", "--certfile", "cert.pem"], capsys)

    assert code == 1
    assert "--keyfile" in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "REDIS_URL": "",
        "ENVIRONMENT": "development",
        "DJANGO_SETTINGS_MODULE": "app.config.settings",
    }
    env.pop("JWT_SECRET", None)
    command = [sys.executable, "-m", "app.cli"]
    subprocess.run([*command, "migrate"], env=env, check=True, capture_output=True, cwd=tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = 0
        for _ in range(100):
            try:
                status = _get(f"http://127.0.0.1:{port}/health/ready")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    assert "JWT_SECRET is not set" in output


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "JWT_SECRET": "a-production-secret-of-at-least-32-bytes-0123456789",
        "PASSWORD_HASH_PROFILE": "rfc_9106_low_memory",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.db'}",
        "DJANGO_SETTINGS_MODULE": "app.config.settings",
    }
    manage = Path(__file__).resolve().parent.parent / "manage.py"

    result = subprocess.run(
        [sys.executable, str(manage), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
