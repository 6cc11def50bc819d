"""The PostgreSQL and Redis databases a live server or a baked suite runs on, each its own."""

import os
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from harness.baking import output_of, run


def postgres_available() -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL"))


def redis_available() -> bool:
    return bool(os.environ.get("TEST_REDIS_URL"))


def services_available() -> bool:
    return postgres_available() and redis_available()


def postgres_url(database: str) -> str | None:
    """A fresh, empty database of that name on the server of TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    return base.rsplit("/", 1)[0] + f"/{database}"


def drop_postgres_database(url: str) -> None:
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
