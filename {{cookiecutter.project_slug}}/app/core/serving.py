"""How many server processes and threads to run, and how each worker starts: several
processes only when Redis shares their state."""

import gc
import os
import sys

from app.core.settings import ConfigurationError, Settings


def worker_count(requested: int | None, settings: Settings) -> int:
    """One process per core, as a process runs Python on one core at a time and its threads
    (Flask, Django) or event loop (FastAPI) cover its waits on I/O. Without REDIS_URL
    cache and rate limits live in the process, so there is one."""
    if requested is None:
        return (os.cpu_count() or 1) if settings.redis_url else 1
    if requested < 1:
        raise ConfigurationError("--workers: must be at least 1")
    if requested > 1 and not settings.redis_url:
        raise ConfigurationError(
            "--workers: more than one worker needs REDIS_URL, "
            "so that they share cache and rate limits"
        )
    return requested


# Flask's and Django's threads per process (app/wsgi_server.py). A thread takes a request
# only once the event loop has read it whole, so it waits on the database and Redis alone,
# never on a client; a single process (no Redis) gets more of them. With several processes,
# eight threads each measured no faster than four on two cores.
THREADS_SINGLE_PROCESS = 8
THREADS_PER_WORKER = 4


def thread_count(workers: int) -> int:
    return THREADS_SINGLE_PROCESS if workers == 1 else THREADS_PER_WORKER


def socket_per_worker(workers: int) -> bool:
    """Several workers each listen on a socket of their own (SO_REUSEPORT), and Linux
    spreads new connections over them. On one shared socket whichever worker wakes first
    accepts, and a burst of keep-alive connections (a load balancer's pool) can land on one
    worker while the others stay idle. Other systems accept the option but may hand every
    connection to one of the sockets, so there the workers share one."""
    return workers > 1 and sys.platform == "linux"


def freeze_startup_objects() -> None:
    """Called in each worker once its app is built: what the worker loaded lives as long as
    it does. Out of the collector's sight (gc.freeze), a full collection walks only what
    requests made, which keeps its pauses, and so the slowest responses, short."""
    gc.freeze()
