"""Each dependency set's baked project passes its own suite, and its pre-commit hooks (lint, types,
layers, security lint) offline."""

import os
import shutil
from pathlib import Path

import pytest

from harness.baking import BakedProject, find_python, output_of, run
from harness.databases import (
    claim_redis_database,
    drop_postgres_database,
    postgres_url,
    release_redis_database,
)
from harness.matrix import DependencySet, dependency_sets
from tests.conftest import BakedSet

SETS = dependency_sets()


def backend_of(dependency_set: DependencySet) -> str:
    """The set's own services when the machine offers them, else SQLite. Every set of a
    framework bakes the same code and `.env`, and their packages differ only by the drivers
    of those services, so a set's suite on SQLite would repeat the leanest set's run."""
    wants_postgres = dependency_set.database == "postgresql"
    if (wants_postgres and os.environ.get("TEST_DATABASE_URL")) or (
        not wants_postgres and dependency_set.use_redis == "y" and os.environ.get("TEST_REDIS_URL")
    ):
        return "services"
    return "sqlite"


CASES = [
    pytest.param(
        s, backend_of(s), id=f"{s.id}-{backend_of(s)}", marks=pytest.mark.xdist_group(s.id)
    )
    for s in SETS
]

# Each framework's set with the most dependencies: the one whose project is type-checked,
# as every set bakes the same code and this one installs every driver it imports.
FULLEST = [s for s in SETS if (s.database, s.use_redis) == ("postgresql", "y")]
LEANEST = [s for s in SETS if (s.database, s.use_redis) == ("sqlite", "n")]

# Every set runs on the oldest Python the projects claim, this process's own
# (.python-version); each framework's fullest set on the newest, its leanest on the one
# between.
NEWER_PYTHONS = {"3.12": LEANEST, "3.13": FULLEST}
NEWER_PYTHON_CASES = [
    pytest.param(
        s,
        backend_of(s),
        python,
        id=f"{s.id}-{backend_of(s)}-py{python}",
        marks=pytest.mark.xdist_group(f"{s.id}-py{python}"),
    )
    for python, sets in NEWER_PYTHONS.items()
    for s in sets
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
def test_the_baked_suite_passes(
    dependency_set: DependencySet, backend: str, baked_set: BakedSet
) -> None:
    run_suite(baked_set(dependency_set), backend, coverage=True)


@pytest.mark.suite
@pytest.mark.parametrize(("dependency_set", "backend", "version"), NEWER_PYTHON_CASES)
def test_the_baked_suite_passes_on_the_newer_pythons(
    dependency_set: DependencySet, backend: str, version: str, baked_set: BakedSet
) -> None:
    python = find_python(version)
    if python is None:
        pytest.skip(
            f"no Python {version} on this machine (neither `uv python find {version}` "
            "nor pyenv has one)"
        )
    project = baked_set(dependency_set, python)
    found = run(
        [str(project.bin / "python"), "-c", "import sys; print(sys.version)"], cwd=project.path
    )
    assert found.stdout.startswith(f"{version}."), output_of(found)
    # Its coverage gate is the one measured on the oldest Python.
    run_suite(project, backend, coverage=False)


@pytest.mark.suite
@pytest.mark.parametrize(
    "dependency_set",
    [pytest.param(s, id=s.id, marks=pytest.mark.xdist_group(s.id)) for s in FULLEST],
)
def test_the_baked_projects_pre_commit_hooks_pass_offline(
    dependency_set: DependencySet, baked_set: BakedSet, tmp_path: Path
) -> None:
    """`pre-commit run --all-files` in a fresh repository of the bake, as a team's first
    commit runs it: ruff, `mypy --strict`, the layer contract, bandit and the file checks,
    each from the project's locked dev extra, with nothing downloaded."""
    project = baked_set(dependency_set)
    repository = tmp_path / project.path.name
    # A copy, as the suites leave coverage files and caches in the bake (all git-ignored).
    shutil.copytree(project.path, repository)
    env = {
        "PATH": f"{project.bin}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    for command in (["git", "init", "-q"], ["git", "add", "--all"]):
        result = run(command, cwd=repository, env=env)
        assert result.returncode == 0, output_of(result)
    result = run([str(project.bin / "pre-commit"), "run", "--all-files"], repository, env)
    assert result.returncode == 0, output_of(result)
