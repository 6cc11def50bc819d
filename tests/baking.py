"""Baking projects and giving each dependency set one environment to run them in."""

import functools
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cookiecutter.main import cookiecutter

from tests.matrix import TEMPLATE


def bake(answers: dict[str, str], output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def run(
    command: list[str], cwd: Path, env: dict[str, str | None] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run a command; its output becomes the assertion message when it fails.

    `env` adds to this process's environment; a None value removes that variable.
    """
    merged = {**os.environ, **(env or {}), "VIRTUAL_ENV": None}
    merged = {name: value for name, value in merged.items() if value is not None}
    return subprocess.run(
        command, cwd=cwd, env=merged, capture_output=True, text=True, timeout=timeout, check=False
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-8000:]}"


def install(project: Path, env_dir: Path, python: str = sys.executable) -> Path:
    """A virtual environment with the baked project and its dev extras, exactly as its
    uv.lock pins them (uv refuses a lock its pyproject.toml has outgrown); returns its bin/."""
    result = run(
        [
            "uv",
            "sync",
            "--locked",
            "--extra",
            "dev",
            "--quiet",
            # Each set's environment starts a hundred processes or more (servers, commands,
            # suites); without bytecode, under PYTHONDONTWRITEBYTECODE each one would
            # compile every module it imports, which tripled a command's start-up time.
            "--compile-bytecode",
            "--python",
            python,
        ],
        cwd=project,
        env={"UV_PROJECT_ENVIRONMENT": str(env_dir)},
    )
    assert result.returncode == 0, output_of(result)
    return env_dir / "bin"


@functools.cache
def find_python(version: str) -> str | None:
    """An interpreter of that Python version ("3.13") on this machine, or None.

    uv finds those on PATH and its own installs; pyenv's shims answer only for the versions
    pyenv has selected, so pyenv's installs are looked up in its folder too."""
    command = ["uv", "python", "find", "--no-project", "--no-python-downloads", version]
    result = run(command, cwd=TEMPLATE)
    if result.returncode == 0:
        return result.stdout.strip()
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    patches = {
        int(found.name.rsplit(".", 1)[1]): found
        for found in versions.glob(f"{version}.*")
        if re.fullmatch(rf"{re.escape(version)}\.\d+", found.name)
    }
    if not patches:
        return None
    return str(patches[max(patches)] / "bin" / f"python{version}")


def postgres_url(database: str) -> str | None:
    """A fresh, empty database of that name on the server of TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    import psycopg

    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    return base.rsplit("/", 1)[0] + f"/{database}"


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(os.environ["TEST_DATABASE_URL"], autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The Redis databases the tests may use, one claimed by each live server or baked suite
# that needs Redis for as long as it runs; 0 holds the claims.
REDIS_DATABASES = range(1, 16)
REDIS_CLAIM_SECONDS = 300
REDIS_CLAIMS = Path(__file__).with_name("redis_databases.py")


def redis_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_redis_database(bin_dir: Path, project: Path) -> str:
    """An emptied Redis database no other run of the tests is using, as a REDIS_URL."""
    base = urlsplit(os.environ["TEST_REDIS_URL"])
    server = urlunsplit((base.scheme, base.netloc, "", "", ""))
    numbers = ",".join(map(str, REDIS_DATABASES))
    deadline = time.monotonic() + REDIS_CLAIM_SECONDS
    while True:
        result = run(
            [str(bin_dir / "python"), str(REDIS_CLAIMS), "claim", server, numbers, redis_owner()],
            cwd=project,
            timeout=60,
        )
        if result.returncode == 0:
            return f"{server}/{result.stdout.strip()}"
        assert result.returncode == 3, output_of(result)
        assert time.monotonic() < deadline, (
            f"Redis databases {numbers} stayed held by other runs for {REDIS_CLAIM_SECONDS} s"
        )
        time.sleep(2)


def release_redis_database(bin_dir: Path, project: Path, url: str) -> None:
    run(
        [str(bin_dir / "python"), str(REDIS_CLAIMS), "release", url, redis_owner()],
        cwd=project,
        timeout=60,
    )
