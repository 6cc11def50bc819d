"""Prune the variants not chosen, merge the chosen ones in, and write a fresh .env."""

import json
import secrets
import shutil
from pathlib import Path

ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')

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


def main() -> None:
    root = Path.cwd()
    chosen, unchosen = owned_paths(ANSWERS)
    for path in unchosen:
        remove(path)
    for path in chosen:
        if path.parts[0] == VARIANTS.name:
            merge_overlay(path, root)
    remove(VARIANTS)
    write_env_file(root)


if __name__ == "__main__":
    main()
