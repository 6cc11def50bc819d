"""Every dependency set bakes with the lock its suite passed with, whatever the slug."""

import re
from pathlib import Path

import pytest

from harness.baking import bake, output_of, run
from harness.matrix import DependencySet, dependency_sets
from tests.locks import REFRESH_COMMAND

# Not the name the locks were written with, and sorted before every package in them.
UNUSUAL_SLUG = "a0-b"


@pytest.mark.parametrize("dependency_set", [pytest.param(s, id=s.id) for s in dependency_sets()])
def test_every_dependency_set_bakes_a_lock_that_matches_its_pyproject(
    dependency_set: DependencySet, tmp_path: Path
) -> None:
    project = bake({**dependency_set.answers(), "project_slug": UNUSUAL_SLUG}, tmp_path)
    # The lock alone says whether it still answers pyproject.toml: nothing is downloaded.
    result = run(["uv", "lock", "--check", "--offline"], cwd=project)
    assert result.returncode == 0, (
        f"{dependency_set.id}: uv.lock and pyproject.toml disagree; run `{REFRESH_COMMAND}` "
        f"to refresh every lock.\n{output_of(result)}"
    )
    # uv installs from it as it stands, the project under its own name.
    dry_run = ["uv", "sync", "--locked", "--extra", "dev", "--dry-run", "--offline"]
    result = run(dry_run, cwd=project)
    assert result.returncode == 0, output_of(result)
    assert re.search(rf"^ \+ {UNUSUAL_SLUG}[ =]", result.stderr, re.MULTILINE), output_of(result)
