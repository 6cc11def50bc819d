"""Benchmark every generated service against a bare reference app of its framework.

    uv run python -m bench.run [--framework fastapi] [--backend sqlite] [--duration 5]

For each framework and backend: bake, install, migrate, seed 10,000 users, start the
generated service (`serve`, ENVIRONMENT=production, rate limits raised) and the reference
app of bench/reference on the same database, server and worker count, then drive both in
turn with wrk at a fixed concurrency. PostgreSQL comes from TEST_DATABASE_URL (a user
allowed to create databases); Redis is a redis-server of the benchmark's own.
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.baking import bake, drop_postgres_database, install, output_of, postgres_url, run
from tests.conftest import BakedProject
from tests.contract.servers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LiveServer,
    free_port,
    start_server,
)
from tests.matrix import DependencySet, accepted, combination_id

REFERENCE = Path(__file__).resolve().parent / "reference"
USERS = 10_000
JWT_SECRET = "benchmark-jwt-secret-0123456789-abcdefghijklmnop"
RAISED_LIMITS = {
    "RATE_LIMIT_PER_IP": "1000000000",
    "RATE_LIMIT_PER_USER": "1000000000",
    "RATE_LIMIT_LOGIN": "1000000000",
}
TARGETS = {"user": 0.9, "list": 0.8}
P99_TARGET = 1.2
REQUESTS = {
    "user": "cached single-user read",
    "list": "list page (admin)",
}


@dataclass
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU time the server's own processes spent per request: unlike req/s, barely moved
    # by whatever else the machine is running.
    cpu_us_per_request: float = 0.0


@dataclass
class Row:
    framework: str
    backend: str
    request: str
    generated: Measurement
    reference: Measurement

    @property
    def ratio(self) -> float:
        return self.generated.requests_per_second / self.reference.requests_per_second

    @property
    def cpu_ratio(self) -> float:
        return self.generated.cpu_us_per_request / self.reference.cpu_us_per_request

    @property
    def p99_ratio(self) -> float:
        return self.generated.p99_ms / self.reference.p99_ms

    @property
    def met(self) -> bool:
        return (
            self.ratio >= TARGETS[self.request]
            and self.p99_ratio <= P99_TARGET
            and self.generated.errors == 0
            and self.reference.errors == 0
        )


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def milliseconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"not a wrk latency: {text!r}")
    return float(found.group(1)) * UNITS[found.group(2)]


def session_cpu_seconds(session: int) -> float:
    """User and system CPU time of every live process in that session."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, session, ..., utime (12th), stime (13th).
        if int(fields[3]) == session:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str, token: str | None, seconds: float, connections: int, session: int | None = None
) -> Measurement:
    """Drive `url` for `seconds`; with `session`, also count that server's CPU time."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    cpu_before = session_cpu_seconds(session) if session else 0.0
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu = session_cpu_seconds(session) - cpu_before if session else 0.0
    try:
        measured = parse_wrk(out)
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError) as exc:
        raise SystemExit(f"{' '.join(command)}: unexpected output ({exc})\n{out}") from None
    measured.cpu_us_per_request = cpu * 1e6 / max(requests, 1)
    return measured


def parse_wrk(out: str) -> Measurement:
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Measurement(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=milliseconds(re.search(r"^\s+50%\s+(\S+)\s*$", out, re.M).group(1)),  # type: ignore[union-attr]
        p99_ms=milliseconds(re.search(r"^\s+99%\s+(\S+)\s*$", out, re.M).group(1)),  # type: ignore[union-attr]
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
    )


def median_of(measurements: list[Measurement]) -> Measurement:
    return Measurement(
        statistics.median(m.requests_per_second for m in measurements),
        statistics.median(m.p50_ms for m in measurements),
        statistics.median(m.p99_ms for m in measurements),
        sum(m.errors for m in measurements),
        statistics.median(m.cpu_us_per_request for m in measurements),
    )


def wait_until_answering(url: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"{url}: exited with {child.returncode}\n{log.read_text()[-4000:]}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url}: no answer within 60 s\n{log.read_text()[-4000:]}")


@contextmanager
def server(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, probe: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own session, answering at `probe`; SIGTERM to its group afterwards."""
    with log.open("wb") as out:
        child = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_answering(probe, child, log)
        yield child
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def wrk_ceiling(seconds: float, connections: int, workdir: Path) -> float:
    """Requests per second wrk drives against a server that does next to nothing."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "bench.static_responder", str(port)]
    with server(command, Path.cwd(), dict(os.environ), workdir / "static.log", url):
        return wrk(url, None, seconds, connections).requests_per_second


def worker_count(with_redis: bool) -> int:
    """What `serve` starts by default (app/core/serving.py)."""
    return (os.cpu_count() or 1) if with_redis else 1


def reference_command(framework: str, bin_dir: Path, port: int, workers: int) -> list[str]:
    """The reference app on the generated project's own server (bench/reference/server.py)."""
    return [str(bin_dir / "python"), "server.py", framework, str(port), str(workers)]


def seed(database_url: str, framework: str) -> None:
    """USERS plain users sharing the admin's password hash and timestamps, in one statement."""
    password = "password" if framework == "django" else "password_hash"
    statement = (
        "WITH RECURSIVE series(n) AS "
        f"(SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < {USERS}) "
        f"INSERT INTO users (email, name, role, {password}, created_at, updated_at) "
        f"SELECT 'user' || n || '@example.com', 'User ' || n, 'user', admin.{password}, "
        "admin.created_at, admin.updated_at FROM series, users AS admin "
        f"WHERE admin.email = '{ADMIN_EMAIL}'"
    )
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute(statement)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(statement)
        connection.execute("ANALYZE users")


def token_for(url: str, email: str) -> tuple[str, int]:
    """An access token from the service's own login, and the id of its user."""
    reply = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": ADMIN_PASSWORD}, timeout=30
    )
    reply.raise_for_status()
    token = reply.json()["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return token, int(claims["sub"])


def same_answers(generated: str, reference: str, paths: dict[str, tuple[str, str]]) -> None:
    """Both apps give the same JSON for the benchmark's requests, or the run stops."""
    for path, token in paths.values():
        headers = {"Authorization": f"Bearer {token}"}
        ours = httpx.get(generated + path, headers=headers, timeout=30)
        theirs = httpx.get(reference + path, headers=headers, timeout=30)
        if ours.status_code != 200 or ours.json() != theirs.json():
            raise SystemExit(
                f"GET {path}: the generated service and the reference differ\n"
                f"generated {ours.status_code}: {ours.text[:600]}\n"
                f"reference {theirs.status_code}: {theirs.text[:600]}"
            )


def py_spy(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Sample the server and its workers while it is under load, as collapsed stacks."""
    command = ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
    command += ["--duration", str(int(seconds)), "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class Timings:
    bake: float
    install: float


def benchmark_set(
    dependency_set: DependencySet,
    options: argparse.Namespace,
    workdir: Path,
    redis_url: str | None,
) -> tuple[list[Row], Timings, BakedProject]:
    framework, backend = dependency_set.framework, backend_name(dependency_set)
    root = workdir / dependency_set.id
    started = time.monotonic()
    project = bake(dependency_set.answers(), root / "baked")
    baked_at = time.monotonic()
    bin_dir = install(project, root / "env")
    timings = Timings(baked_at - started, time.monotonic() - baked_at)
    baked = BakedProject(dependency_set, project, bin_dir, project.name)
    if dependency_set.database == "postgresql":
        database_url = postgres_url(f"bench_{framework}")
        assert database_url
    else:
        database_url = f"sqlite:///{root / 'bench.db'}"
    env = {
        "ENVIRONMENT": "production",
        "JWT_SECRET": JWT_SECRET,
        "DATABASE_URL": database_url,
        **RAISED_LIMITS,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
        # The sets share one Redis but each makes its database anew: entries cached by the
        # previous set would name its rows.
        subprocess.run(["redis-cli", "-u", redis_url, "FLUSHALL"], check=True, capture_output=True)
    live: LiveServer = start_server(
        name=dependency_set.id, baked=baked, workdir=root / "served", env=env
    )
    try:
        seed(database_url, framework)
        user_token, user_id = token_for(live.url, "user1@example.com")
        admin_token, _ = token_for(live.url, ADMIN_EMAIL)
        paths = {
            "user": (f"/api/v1/users/{user_id}", user_token),
            "list": ("/api/v1/users?page=1&limit=20", admin_token),
        }
        workers = worker_count(bool(redis_url))
        port = free_port()
        reference_url = f"http://127.0.0.1:{port}"
        reference_env = {
            **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "REDIS_URL")},
            "JWT_SECRET": JWT_SECRET,
            "JWT_ISSUER": baked.slug,
            "DATABASE_URL": database_url,
        }
        with server(
            reference_command(framework, bin_dir, port, workers),
            REFERENCE,
            reference_env,
            root / "reference.log",
            f"{reference_url}/api/v1/users",
        ) as reference:
            same_answers(live.url, reference_url, paths)
            rows = drive(live, (reference_url, reference.pid), paths, framework, backend, options)
    finally:
        live.stop()
        if dependency_set.database == "postgresql":
            drop_postgres_database(database_url)
    return rows, timings, baked


def drive(
    live: LiveServer,
    reference: tuple[str, int],
    paths: dict[str, tuple[str, str]],
    framework: str,
    backend: str,
    options: argparse.Namespace,
) -> list[Row]:
    """Warm both up, then measure them back to back, request by request, round by round."""
    targets = {"generated": (live.url, live.process.pid), "reference": reference}
    for url, _ in targets.values():
        for path, token in paths.values():
            wrk(url + path, token, 1, options.concurrency)
    results: dict[tuple[str, str], list[Measurement]] = {}
    for _ in range(options.rounds):
        for request, (path, token) in paths.items():
            for who, (url, session) in targets.items():
                measured = wrk(url + path, token, options.duration, options.concurrency, session)
                results.setdefault((request, who), []).append(measured)
    if options.profile:
        options.profile.mkdir(parents=True, exist_ok=True)
        for request, (path, token) in paths.items():
            output = options.profile / f"{framework}-{backend}-{request}.txt"
            sampler = py_spy(live.process.pid, options.duration, output)
            wrk(live.url + path, token, options.duration, options.concurrency)
            sampler.wait()
    return [
        Row(
            framework,
            backend,
            request,
            median_of(results[(request, "generated")]),
            median_of(results[(request, "reference")]),
        )
        for request in paths
    ]


def backend_name(dependency_set: DependencySet) -> str:
    return "sqlite" if dependency_set.database == "sqlite" else "postgresql+redis"


def suite_seconds(baked: BakedProject, redis_url: str | None) -> tuple[float, bool]:
    """The baked project's own test suite, on the backend it was benchmarked on."""
    env: dict[str, str | None] = {"TEST_DATABASE_URL": None, "TEST_REDIS_URL": None}
    if baked.dependency_set.database == "postgresql":
        env["TEST_DATABASE_URL"] = postgres_url(f"bench_suite_{baked.dependency_set.framework}")
        env["TEST_REDIS_URL"] = redis_url
    started = time.monotonic()
    result = run(
        [str(baked.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=baked.path,
        env=env,
    )
    elapsed = time.monotonic() - started
    if env["TEST_DATABASE_URL"]:
        drop_postgres_database(env["TEST_DATABASE_URL"])
    if result.returncode != 0:
        print(output_of(result), file=sys.stderr)
    return elapsed, result.returncode == 0


def bake_seconds(workdir: Path) -> list[tuple[str, float]]:
    """How long every accepted combination of answers takes to bake."""
    timings = []
    for number, answers in enumerate(accepted()):
        started = time.monotonic()
        bake(answers, workdir / "bakes" / str(number))
        timings.append((combination_id(answers), time.monotonic() - started))
    return timings


@contextmanager
def own_redis(workdir: Path) -> Iterator[str]:
    """A redis-server of this run's own, so no one else's databases are touched."""
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is needed for the PostgreSQL + Redis runs")
    port = free_port()
    command = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    log = workdir / "redis.log"
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while "Ready to accept connections" not in log.read_text():
            if time.monotonic() > deadline or child.poll() is not None:
                raise SystemExit(f"redis-server did not start\n{log.read_text()}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=20)


def show_table(rows: list[Row]) -> None:
    print(
        "| framework | backend | request | req/s gen / ref | ratio | p50 ms gen / ref "
        "| p99 ms gen / ref | p99 ratio | errors gen / ref | CPU µs/req gen / ref | CPU ratio "
        "| target |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        g, r = row.generated, row.reference
        target = f"≥ {TARGETS[row.request]}×, p99 ≤ {P99_TARGET}×, no errors"
        print(
            f"| {row.framework} | {row.backend} | {REQUESTS[row.request]} "
            f"| {g.requests_per_second:,.0f} / {r.requests_per_second:,.0f} | {row.ratio:.2f} "
            f"| {g.p50_ms:.1f} / {r.p50_ms:.1f} | {g.p99_ms:.1f} / {r.p99_ms:.1f} "
            f"| {row.p99_ratio:.2f} | {g.errors} / {r.errors} "
            f"| {g.cpu_us_per_request:,.0f} / {r.cpu_us_per_request:,.0f} | {row.cpu_ratio:.2f} "
            f"| {'met' if row.met else 'missed'} ({target}) |"
        )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--framework", action="append", choices=["fastapi", "flask", "django"])
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--concurrency", type=int, default=32, help="open connections")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per app (median)")
    parser.add_argument("--no-suites", action="store_true", help="skip timing the suites")
    parser.add_argument("--no-bakes", action="store_true", help="skip timing every bake")
    parser.add_argument(
        "--profile", type=Path, help="also sample the generated services with py-spy into DIR"
    )
    return parser.parse_args()


def main() -> int:
    options = arguments()
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install -y wrk (or brew install wrk)", file=sys.stderr)
        return 1
    frameworks = options.framework or ["fastapi", "flask", "django"]
    backends = options.backend or ["sqlite", "postgresql"]
    if "postgresql" in backends and not os.environ.get("TEST_DATABASE_URL"):
        print("TEST_DATABASE_URL is not set: PostgreSQL + Redis is skipped", file=sys.stderr)
        backends.remove("postgresql")
    sets = [
        DependencySet(framework, backend, "n" if backend == "sqlite" else "y")
        for backend in backends
        for framework in frameworks
    ]
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        load_before = os.getloadavg()
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores")
        print(
            f"wrk -t1 -c{options.concurrency}, {options.duration:g} s per measurement, "
            f"median of {options.rounds}, {USERS:,} users seeded"
        )
        ceiling = wrk_ceiling(options.duration, options.concurrency, workdir)
        print(f"wrk against a static responder: {ceiling:,.0f} req/s")
        rows: list[Row] = []
        timings: dict[str, Timings] = {}
        suites: dict[str, tuple[float, bool]] = {}
        with contextmanager_for(backends, workdir) as redis_url:
            for dependency_set in sets:
                redis = redis_url if dependency_set.use_redis == "y" else None
                set_rows, timings[dependency_set.id], baked = benchmark_set(
                    dependency_set, options, workdir, redis
                )
                rows += set_rows
                if not options.no_suites:
                    suites[dependency_set.id] = suite_seconds(baked, redis)
        load_after = os.getloadavg()
        print(
            "load average (1, 5, 15 min): "
            f"before {' '.join(f'{n:.2f}' for n in load_before)}, "
            f"after {' '.join(f'{n:.2f}' for n in load_after)}\n"
        )
        show_table(rows)
        fastest = max(
            (m.requests_per_second for row in rows for m in (row.generated, row.reference)),
            default=0.0,
        )
        if fastest:
            print(
                f"\nwrk's static-responder rate is {ceiling / fastest:.0f}× the fastest app's: "
                "the load generator is not what limits them."
            )
        print("\n| dependency set | bake s | install s | own suite s |")
        print("|---|---:|---:|---:|")
        for set_id, timing in timings.items():
            suite = suites.get(set_id)
            shown = "-" if suite is None else f"{suite[0]:.0f}{'' if suite[1] else ' FAILED'}"
            print(f"| {set_id} | {timing.bake:.1f} | {timing.install:.1f} | {shown} |")
        if not options.no_bakes:
            print("\n| combination | bake s |")
            print("|---|---:|")
            for combination, seconds in bake_seconds(workdir):
                print(f"| {combination} | {seconds:.2f} |")
    return 0 if all(row.met for row in rows) else 1


@contextmanager
def contextmanager_for(backends: list[str], workdir: Path) -> Iterator[str | None]:
    if "postgresql" not in backends:
        yield None
        return
    with own_redis(workdir) as url:
        yield url


if __name__ == "__main__":
    sys.exit(main())
