"""Each dependency set's uv.lock, kept in the template where the post-gen hook's MANIFEST
chooses it. After changing a set's dependencies, refresh every lock:

    uv run python -m tests.locks              # what the pyproject.toml files now ask, nothing more
    uv run python -m tests.locks --upgrade    # every package at the newest version its set allows

Each set is baked under the name its lock gives the project (a bake puts its slug there) and
locked by the uv of the template's own environment, so the same inputs give the same files.
"""

import argparse
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.baking import bake, output_of, run
from harness.matrix import (
    PROJECT_TEMPLATE,
    DependencySet,
    answer,
    dependency_sets,
    locked_name,
    manifest,
)

REFRESH_COMMAND = "uv run python -m tests.locks"
# The manifest's options that choose a lock.
LOCK_OPTIONS = "framework database use_redis"


def lock_of(dependency_set: DependencySet) -> Path:
    """Where the template keeps the set's lock."""
    [overlay] = manifest()[LOCK_OPTIONS][answer(dependency_set._asdict(), LOCK_OPTIONS)]
    return PROJECT_TEMPLATE / overlay / "uv.lock"


def lock(dependency_set: DependencySet, project: Path, upgrade: bool) -> bool:
    """Lock a baked project and keep its lock in the template; True if the lock changed."""
    result = run(["uv", "lock", "--quiet", *(["--upgrade"] if upgrade else [])], cwd=project)
    if result.returncode != 0:
        raise SystemExit(f"{dependency_set.id}: uv lock failed\n{output_of(result)}")
    locked = (project / "uv.lock").read_bytes()
    kept = lock_of(dependency_set)
    if kept.exists() and kept.read_bytes() == locked:
        return False
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(locked)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--upgrade",
        action="store_true",
        help="move every package to the newest version its set allows",
    )
    upgrade = parser.parse_args().upgrade
    with tempfile.TemporaryDirectory() as workdir:
        # cookiecutter works inside the template's folder, so the bakes go one at a time.
        projects = {
            s: bake({**s.answers(), "project_slug": locked_name()}, Path(workdir) / s.id)
            for s in dependency_sets()
        }
        with ThreadPoolExecutor() as pool:
            changed = pool.map(lambda s: lock(s, projects[s], upgrade), projects)
            for dependency_set, was_changed in zip(projects, changed, strict=True):
                print(f"{dependency_set.id}: {'updated' if was_changed else 'unchanged'}")


if __name__ == "__main__":
    main()
