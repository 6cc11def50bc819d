"""Live servers for the contract suite: one main server per framework and backend per process.

Run `uv run pytest tests/contract -k fastapi` (or flask, django). Every framework runs on
SQLite; with TEST_DATABASE_URL and TEST_REDIS_URL set, on PostgreSQL and Redis too, in
databases named contract_* (dropped afterwards) and Redis databases 4-9, each claimed by
one server at a time (see harness/redis_databases.py) and emptied first. The modules whose answers
rest on storage, cache or counters (`EVERY_BACKEND`) also run on SQLite with Redis and on
PostgreSQL without it, so every database meets both caches.
Tests are grouped by dependency set for `--dist loadgroup`, so a worker bakes a set once.
"""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from harness.databases import postgres_available, redis_available, services_available
from harness.matrix import DependencySet
from harness.servers import LiveServer, start_server
from tests.conftest import BakedSet
from tests.contract.helpers import Api, new_client
from tests.contract.servers import (
    ALLOWED_ORIGIN,
    GENEROUS_LIMITS,
    backend_id,
    frameworks,
    services_set,
    sqlite_set,
)


def backend_sets() -> list[DependencySet]:
    """Every framework on SQLite; on PostgreSQL and Redis too when the machine offers them."""
    sets = [sqlite_set(framework) for framework in frameworks()]
    if services_available():
        sets += [services_set(framework) for framework in frameworks()]
    return sets


def every_backend_set() -> list[DependencySet]:
    """`backend_sets()`, plus SQLite with Redis and PostgreSQL without it where available."""
    sets = backend_sets()
    for framework in frameworks():
        if redis_available():
            sets.append(DependencySet(framework, "sqlite", "y"))
        if postgres_available():
            sets.append(DependencySet(framework, "postgresql", "n"))
    return sets


def server_params(sets: list[DependencySet]) -> list[Any]:
    # The xdist group is the set's own, as in tests/test_suites.py, so a worker bakes it once.
    return [pytest.param(s, id=backend_id(s), marks=pytest.mark.xdist_group(s.id)) for s in sets]


MAIN_PARAMS = server_params(backend_sets())

# Every framework on PostgreSQL and Redis, for the tests that need both.
SERVICE_PARAMS = server_params([services_set(framework) for framework in frameworks()])
NEEDS_SERVICES = pytest.mark.skipif(
    not services_available(), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"
)

# A module's `pytestmark` entry: run its tests against the main server of every backend.
EVERY_BACKEND = pytest.mark.parametrize("server", server_params(every_backend_set()), indirect=True)

Launch = Callable[..., LiveServer]


@pytest.fixture(scope="session")
def launch(baked_set: BakedSet, tmp_path_factory: pytest.TempPathFactory) -> Launch:
    """Start a server of a dependency set: `launch(set, name, env={...}, ...)`."""

    def start(dependency_set: DependencySet, name: str, **options: Any) -> LiveServer:
        return start_server(
            name=f"{backend_id(dependency_set)}-{name}",
            baked=baked_set(dependency_set),
            workdir=tmp_path_factory.mktemp(f"{backend_id(dependency_set)}-{name}"),
            env=options.pop("env", {}),
            **options,
        )

    return start


def stop_cleanly(server: LiveServer) -> None:
    code = server.stop()
    assert code == 0, f"SIGTERM: expected exit 0 within 20 s, got {code}\n{server.output()}"


@pytest.fixture(scope="session", params=MAIN_PARAMS)
def server(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    """The main server: generous rate limits, CORS for one origin, ENVIRONMENT=test."""
    live = launch(request.param, "main", env={**GENEROUS_LIMITS, "CORS_ORIGINS": ALLOWED_ORIGIN})
    yield live
    stop_cleanly(live)


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with new_client(server.url) as http:
        yield http


@pytest.fixture
def api(client: httpx.Client, server: LiveServer) -> Api:
    return Api(client, issuer=server.slug)
