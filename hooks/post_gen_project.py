"""Prune the variants not chosen, merge the chosen ones in, and write a fresh .env."""

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
MANIFEST = {
    "framework": {
        "fastapi": ["_variants/sqlalchemy", "_variants/fastapi"],
        "flask": ["_variants/sqlalchemy", "_variants/sync", "_variants/flask"],
        "django": ["_variants/sync", "_variants/django"],
    },
    "use_docker": {
        "y": ["Dockerfile", ".dockerignore", "compose.yaml"],
    },
    "ci": {
        "github": [".github"],
        "gitlab": [".gitlab-ci.yml"],
    },
}


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
                if answers[option] == value:
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
    write_env_file(root)


if __name__ == "__main__":
    main()
