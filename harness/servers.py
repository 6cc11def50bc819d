"""Live servers started from a baked project's console script, as an operator would."""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.baking import BakedProject, output_of
from harness.databases import (
    claim_redis_database,
    drop_postgres_database,
    postgres_available,
    postgres_url,
    redis_available,
    release_redis_database,
)

ADMIN_EMAIL = "admin@example.com"
ADMIN_NAME = "Admin"
ADMIN_PASSWORD = "contract-admin-password"
JWT_SECRET = "contract-suite-jwt-secret-0123456789-abcdefghij"
STARTUP_SECONDS = 60
SHUTDOWN_SECONDS = 20
COMMAND_SECONDS = 180

# Every variable of the contract: the suite's environment never leaks one into a server.
CONTRACT_VARIABLES = (
    "ENVIRONMENT",
    "DATABASE_URL",
    "REDIS_URL",
    "JWT_SECRET",
    "JWT_ISSUER",
    "ACCESS_TOKEN_TTL_SECONDS",
    "REFRESH_TOKEN_TTL_SECONDS",
    "CACHE_TTL_SECONDS",
    "RATE_LIMIT_PER_IP",
    "RATE_LIMIT_PER_USER",
    "RATE_LIMIT_LOGIN",
    "CORS_ORIGINS",
    "FORWARDED_ALLOW_IPS",
    "LOG_LEVEL",
    "ADMIN_PASSWORD",
    "PASSWORD_HASH_PROFILE",
    "HEADER_READ_TIMEOUT_SECONDS",
    "BODY_READ_TIMEOUT_SECONDS",
    "KEEP_ALIVE_TIMEOUT_SECONDS",
    "MAX_REQUEST_LINE_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_HEADER_COUNT",
    "VIRTUAL_ENV",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(overrides: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONTRACT_VARIABLES}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


@dataclass
class LiveServer:
    """One `serve` process and what it needs; `stop()` sends SIGTERM and returns the exit code."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    project: Path
    bin: Path
    slug: str
    databases: list[str] = field(default_factory=list)
    redis_claim: str | None = None

    def output(self) -> str:
        out = self.stdout_path.read_text(errors="replace")[-6000:]
        err = self.stderr_path.read_text(errors="replace")[-6000:]
        return f"server {self.name} at {self.url}\n--- stdout\n{out}\n--- stderr\n{err}"

    def log_lines(self) -> list[str]:
        return self.stdout_path.read_text(errors="replace").splitlines()

    def stop(self) -> int | None:
        """SIGTERM, then wait; None when it did not exit in time (it is then killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.process.wait(timeout=SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=SHUTDOWN_SECONDS)
        for database_url in self.databases:
            drop_postgres_database(database_url)
        if self.redis_claim:
            release_redis_database(self.bin, self.project, self.redis_claim)
        return code


def command(server_bin: Path, slug: str, *args: str) -> list[str]:
    return [str(server_bin / slug), *args]


def prepare_database(bin_dir: Path, slug: str, project: Path, env: dict[str, str]) -> None:
    """`migrate`, then `create-admin`, exactly as the README has an operator do it."""
    steps = [
        command(bin_dir, slug, "migrate"),
        command(bin_dir, slug, "create-admin", "--email", ADMIN_EMAIL, "--name", ADMIN_NAME),
    ]
    for step in steps:
        result = subprocess.run(
            step,
            cwd=project,
            env={**env, "ADMIN_PASSWORD": ADMIN_PASSWORD},
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
            check=False,
        )
        assert result.returncode == 0, f"{' '.join(step[1:])} failed\n{output_of(result)}"


def wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.stop()
            raise AssertionError(
                f"serve exited with {server.process.returncode} before answering /health\n"
                + server.output()
            )
        try:
            # A test certificate is self-signed: the TLS test checks the version, not the chain.
            if httpx.get(f"{server.url}/health", timeout=2, verify=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise AssertionError(
        f"GET /health did not answer 200 within {STARTUP_SECONDS} s\n" + server.output()
    )


def start_server(
    *,
    name: str,
    baked: BakedProject,
    workdir: Path,
    env: dict[str, str],
    database: str | None = None,
    migrate: bool = True,
    tls: tuple[Path, Path] | None = None,
    workers: int | None = None,
) -> LiveServer:
    """Bake (through `baked`), prepare the database and start `serve`, waiting for /health.

    `database` is a DATABASE_URL to use as is; by default the set's own backend: a SQLite
    file in `workdir`, or a fresh PostgreSQL database and Redis database of the suite's own.
    With `tls` (certificate, key) it serves HTTPS; `workers` is passed to `serve --workers`.
    """
    dependency_set, project, bin_dir, slug = (
        baked.dependency_set,
        baked.path,
        baked.bin,
        baked.slug,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    overrides = {"ENVIRONMENT": "test", "JWT_SECRET": JWT_SECRET, **env}
    if overrides["ENVIRONMENT"] != "production":
        # Argon2's real cost would be most of the suite's time; production servers keep
        # it, and the login-timing test runs on one of them.
        overrides.setdefault("PASSWORD_HASH_PROFILE", "cheapest")
    databases: list[str] = []
    redis_claim = None
    if database is None and dependency_set.database == "postgresql" and postgres_available():
        label = name.replace("-", "_")
        database = postgres_url(f"contract_{label}_{os.getpid()}")
        assert database
        databases.append(database)
    if database is None:
        database = f"sqlite:///{workdir / 'contract.db'}"
    overrides.setdefault("DATABASE_URL", database)
    if dependency_set.use_redis == "y" and redis_available() and "REDIS_URL" not in env:
        redis_claim = overrides["REDIS_URL"] = claim_redis_database(bin_dir, project)
    full_env = server_environment(overrides)
    if migrate:
        try:
            prepare_database(bin_dir, slug, project, full_env)
        except AssertionError:
            for database_url in databases:
                drop_postgres_database(database_url)
            if redis_claim:
                release_redis_database(bin_dir, project, redis_claim)
            raise
    port = free_port()
    tls_args = ["--certfile", str(tls[0]), "--keyfile", str(tls[1])] if tls else []
    worker_args = ["--workers", str(workers)] if workers else []
    stdout_path = workdir / "stdout.log"
    stderr_path = workdir / "stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command(bin_dir, slug, "serve", "--host", "127.0.0.1", "--port", str(port))
            + tls_args
            + worker_args,
            cwd=project,
            env=full_env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    server = LiveServer(
        name=name,
        url=f"{'https' if tls else 'http'}://127.0.0.1:{port}",
        process=process,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
        project=project,
        bin=bin_dir,
        slug=slug,
        databases=databases,
        redis_claim=redis_claim,
    )
    wait_until_healthy(server)
    return server
