"""Prune the variants not chosen, merge the chosen ones in, name the project in its lock,
and write a fresh .env."""

import json
import re
import secrets
import shutil
import sys
import tomllib
from pathlib import Path

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

VARIANTS = Path("_variants")
# option -> value -> the paths that value owns. A path owned by no chosen value is
# removed; a chosen path under _variants/ is an overlay merged into the project root.
# Several options named together (space-separated) own a path for their answers together.
MANIFEST = {
    "framework": {
        "fastapi": ["_variants/sqlalchemy", "_variants/fastapi"],
        "flask": ["_variants/sqlalchemy", "_variants/sync", "_variants/flask"],
        "django": ["_variants/sync", "_variants/django"],
    },
    "use_docker": {
        "y": ["Dockerfile", ".dockerignore", "compose.yaml"],
    },
    "use_kubernetes": {
        "y": ["deploy", "docs/deployment.md"],
    },
    "ci": {
        "github": [".github"],
        "gitlab": [".gitlab-ci.yml", "renovate.json"],
    },
    # Each dependency set's uv.lock, written by `uv run python -m tests.locks`.
    "framework database use_redis": {
        "fastapi postgresql y": ["_variants/locks/fastapi-postgresql-redis"],
        "fastapi postgresql n": ["_variants/locks/fastapi-postgresql-noredis"],
        "fastapi sqlite y": ["_variants/locks/fastapi-sqlite-redis"],
        "fastapi sqlite n": ["_variants/locks/fastapi-sqlite-noredis"],
        "flask postgresql y": ["_variants/locks/flask-postgresql-redis"],
        "flask postgresql n": ["_variants/locks/flask-postgresql-noredis"],
        "flask sqlite y": ["_variants/locks/flask-sqlite-redis"],
        "flask sqlite n": ["_variants/locks/flask-sqlite-noredis"],
        "django postgresql y": ["_variants/locks/django-postgresql-redis"],
        "django postgresql n": ["_variants/locks/django-postgresql-noredis"],
        "django sqlite y": ["_variants/locks/django-sqlite-redis"],
        "django sqlite n": ["_variants/locks/django-sqlite-noredis"],
    },
}
# The name the locks give the project; the bake gives it the slug instead.
LOCKED_NAME = "project-slug"


def answer(answers: dict[str, str], option: str) -> str:
    """The answer to an option, or the answers to several named together."""
    return " ".join(answers[name] for name in option.split())


def owned_paths(answers: dict[str, str]) -> tuple[list[Path], list[Path]]:
    """Split the manifest's paths into (chosen, unchosen) for these answers.

    A path that several values share (an overlay two frameworks use) stays when any
    of them is chosen.
    """
    chosen: dict[Path, None] = {}
    every: dict[Path, None] = {}
    for option, values in MANIFEST.items():
        for value, paths in values.items():
            for path in map(Path, paths):
                every[path] = None
                if answer(answers, option) == value:
                    chosen[path] = None
    return list(chosen), [path for path in every if path not in chosen]


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def merge_overlay(overlay: Path, root: Path) -> None:
    for source in sorted(p for p in overlay.rglob("*") if p.is_file()):
        target = root / source.relative_to(overlay)
        if target.exists():
            raise SystemExit(f"ERROR: the template is broken: {target} is in two variants.")
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)


def write_env_file(root: Path) -> None:
    example = (root / ".env.example").read_text()
    secret = secrets.token_urlsafe(48)
    (root / ".env").write_text(example.replace("JWT_SECRET=", f"JWT_SECRET={secret}", 1))


def name_locked_project(root: Path, slug: str) -> None:
    """The slug is a normalized distribution name already, as uv writes names in a lock."""
    lock = root / "uv.lock"
    if not lock.exists():
        # A dependency set not locked yet: tests/test_locks.py names the command that locks it.
        return
    locked, baked = f'\nname = "{LOCKED_NAME}"\n', f'\nname = "{slug}"\n'
    text = lock.read_text()
    if text.count(locked) != 1:
        raise SystemExit(f"ERROR: the template is broken: {lock} must name {LOCKED_NAME} once.")
    lock.write_text(text.replace(locked, baked))


def normalized(name: str) -> str:
    """A distribution name as installers compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_clash(root: Path) -> str | None:
    """The project cannot be installed under the name of a package it depends on."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    names = {
        normalized(re.split(r"[^A-Za-z0-9._-]", requirement, maxsplit=1)[0])
        for requirement in requirements
    }
    slug = ANSWERS["project_slug"]
    if normalized(slug) in names:
        return (
            f"project_slug '{slug}' is the name of a package the project depends on, "
            "so it could not be installed; choose another."
        )
    return None


def main() -> None:
    root = Path.cwd()
    chosen, unchosen = owned_paths(ANSWERS)
    for path in unchosen:
        remove(path)
    for path in chosen:
        if path.parts[0] == VARIANTS.name:
            merge_overlay(path, root)
    remove(VARIANTS)
    error = dependency_clash(root)
    if error:
        # cookiecutter removes the project when a hook fails.
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
    name_locked_project(root, ANSWERS["project_slug"])
    write_env_file(root)


if __name__ == "__main__":
    main()
