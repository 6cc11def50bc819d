"""The benchmark's own servers beside the generated service: the reference apps of
bench/reference, the static responder and a Redis, each in a process of its own."""

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from harness.servers import free_port

REFERENCE = Path(__file__).resolve().parent / "reference"


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


def worker_count(with_redis: bool) -> int:
    """What `serve` starts by default (app/core/serving.py)."""
    return (os.cpu_count() or 1) if with_redis else 1


def reference_command(framework: str, bin_dir: Path, port: int, workers: int) -> list[str]:
    """The reference app on the generated project's own server (bench/reference/server.py)."""
    return [str(bin_dir / "python"), "server.py", framework, str(port), str(workers)]


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
