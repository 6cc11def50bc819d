"""Each dependency set's baked project passes its own suite, type check and layer contract."""

import os

import pytest

from tests.baking import (
    claim_redis_database,
    drop_postgres_database,
    output_of,
    postgres_url,
    release_redis_database,
    run,
)
from tests.matrix import DependencySet, dependency_sets

SETS = dependency_sets()


def backends(dependency_set: DependencySet) -> list[str]:
    """SQLite always; the set's real services too when the machine offers them."""
    names = ["sqlite"]
    wants_postgres = dependency_set.database == "postgresql"
    if (
        wants_postgres
        and os.environ.get("TEST_DATABASE_URL")
        or (
            not wants_postgres
            and dependency_set.use_redis == "y"
            and os.environ.get("TEST_REDIS_URL")
        )
    ):
        names.append("services")
    return names


CASES = [
    pytest.param(s, backend, id=f"{s.id}-{backend}", marks=pytest.mark.xdist_group(s.id))
    for s in SETS
    for backend in backends(s)
]


@pytest.mark.suite
@pytest.mark.parametrize(("dependency_set", "backend"), CASES)
def test_the_baked_suite_passes(dependency_set: DependencySet, backend: str, baked_set) -> None:
    project = baked_set(dependency_set)
    # On SQLite the suite must not see the services this process was given.
    env: dict[str, str | None] = {
        "COVERAGE_FILE": str(project.path / f".coverage.{backend}"),
        "TEST_DATABASE_URL": None,
        "TEST_REDIS_URL": None,
    }
    database = redis = None
    if backend == "services":
        if dependency_set.database == "postgresql":
            # A name of this run's own: two runs on one server never share a database.
            label = dependency_set.id.replace("-", "_")
            database = env["TEST_DATABASE_URL"] = postgres_url(f"suite_{label}_{os.getpid()}")
        if dependency_set.use_redis == "y" and os.environ.get("TEST_REDIS_URL"):
            redis = env["TEST_REDIS_URL"] = claim_redis_database(project.bin, project.path)
    command = [str(project.bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    if backend == "sqlite" and "services" in backends(dependency_set):
        # The coverage gate is measured once per set, on the services, where the tests
        # that need them run too; tracing doubles a suite's time on Python 3.11.
        command.append("--no-cov")
    try:
        result = run(command, cwd=project.path, env=env)
    finally:
        if database:
            drop_postgres_database(database)
        if redis:
            release_redis_database(project.bin, project.path, redis)
    assert result.returncode == 0, output_of(result)


@pytest.mark.suite
@pytest.mark.parametrize(
    "dependency_set", [pytest.param(s, id=s.id, marks=pytest.mark.xdist_group(s.id)) for s in SETS]
)
def test_the_baked_project_type_checks_and_keeps_its_layers(
    dependency_set: DependencySet, baked_set
) -> None:
    project = baked_set(dependency_set)
    for command in (
        [str(project.bin / "mypy"), "app", "tests"],
        [str(project.bin / "lint-imports")],
    ):
        result = run(command, cwd=project.path)
        assert result.returncode == 0, output_of(result)
