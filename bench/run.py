"""Benchmark every generated service against a bare reference app of its framework.

    uv run python -m bench.run [--framework fastapi] [--backend sqlite] [--duration 5]

For each framework and backend: bake, install, migrate, seed 10,000 users, start the
generated service (`serve`, ENVIRONMENT=production, rate limits raised) and the reference
app of bench/reference on the same database, server and worker count, then drive both in
turn with wrk at a fixed concurrency. PostgreSQL comes from TEST_DATABASE_URL (a user
allowed to create databases); Redis is a redis-server of the benchmark's own.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.load import Measurement, median_of, py_spy, wrk, wrk_ceiling
from bench.report import Row, Timings, show_bake_times, show_table, show_timings
from bench.seeding import USERS, seed, token_for
from bench.servers import REFERENCE, own_redis, reference_command, server, worker_count
from harness.baking import BakedProject, bake, install, output_of, run
from harness.databases import drop_postgres_database, postgres_url
from harness.matrix import DependencySet, accepted, combination_id
from harness.servers import ADMIN_EMAIL, LiveServer, free_port, start_server

JWT_SECRET = "benchmark-jwt-secret-0123456789-abcdefghijklmnop"
RAISED_LIMITS = {
    "RATE_LIMIT_PER_IP": "1000000000",
    "RATE_LIMIT_PER_USER": "1000000000",
    "RATE_LIMIT_LOGIN": "1000000000",
}


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
        show_timings(timings, suites)
        if not options.no_bakes:
            show_bake_times(bake_seconds(workdir))
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
