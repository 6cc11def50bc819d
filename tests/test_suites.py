"""Each dependency set's baked project passes its own suite, type check and layer contract."""

import os

import pytest

from tests.baking import (
    claim_redis_database,
    drop_postgres_database,
    find_python,
    output_of,
    postgres_url,
    release_redis_database,
    run,
)
from tests.conftest import BakedProject
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


# The newest Python the baked projects claim; every set runs on the oldest, this process's
# own (.python-version).
NEWEST_PYTHON = "3.13"
# Each framework's set with the most dependencies runs its suite on the newest Python too.
NEWEST_PYTHON_CASES = [
    pytest.param(
        s,
        backends(s)[-1],
        id=f"{s.id}-{backends(s)[-1]}-py{NEWEST_PYTHON}",
        marks=pytest.mark.xdist_group(f"{s.id}-py{NEWEST_PYTHON}"),
    )
    for s in SETS
    if (s.database, s.use_redis) == ("postgresql", "y")
]


def run_suite(project: BakedProject, backend: str, coverage: bool) -> None:
    dependency_set = project.dependency_set
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
    if not coverage:
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
@pytest.mark.parametrize(("dependency_set", "backend"), CASES)
def test_the_baked_suite_passes(dependency_set: DependencySet, backend: str, baked_set) -> None:
    # The coverage gate is measured once per set, on the services, where the tests that
    # need them run too; tracing doubles a suite's time on Python 3.11.
    coverage = backend == backends(dependency_set)[-1]
    run_suite(baked_set(dependency_set), backend, coverage)


@pytest.mark.suite
@pytest.mark.parametrize(("dependency_set", "backend"), NEWEST_PYTHON_CASES)
def test_the_baked_suite_passes_on_the_newest_python(
    dependency_set: DependencySet, backend: str, baked_set
) -> None:
    python = find_python(NEWEST_PYTHON)
    if python is None:
        pytest.skip(
            f"no Python {NEWEST_PYTHON} on this machine (neither `uv python find "
            f"{NEWEST_PYTHON}` nor pyenv has one)"
        )
    project = baked_set(dependency_set, python)
    version = run(
        [str(project.bin / "python"), "-c", "import sys; print(sys.version)"], cwd=project.path
    )
    assert version.stdout.startswith(f"{NEWEST_PYTHON}."), output_of(version)
    # Its coverage gate is the one measured on 3.11.
    run_suite(project, backend, coverage=False)


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
