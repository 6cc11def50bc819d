"""Load generation: wrk drives a server, and its report is read into a Measurement."""

import os
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.servers import server
from harness.servers import free_port


@dataclass
class Measurement:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    # CPU time the server's own processes spent per request: unlike req/s, barely moved
    # by whatever else the machine is running.
    cpu_us_per_request: float = 0.0


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


def wrk_ceiling(seconds: float, connections: int, workdir: Path) -> float:
    """Requests per second wrk drives against a server that does next to nothing."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "bench.static_responder", str(port)]
    with server(command, Path.cwd(), dict(os.environ), workdir / "static.log", url):
        return wrk(url, None, seconds, connections).requests_per_second


def py_spy(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Sample the server and its workers while it is under load, as collapsed stacks."""
    command = ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--nonblocking"]
    command += ["--duration", str(int(seconds)), "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
