"""Baking projects and giving each dependency set one environment to run them in."""

import functools
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cookiecutter.main import cookiecutter

from harness.matrix import TEMPLATE, DependencySet


@dataclass(frozen=True)
class BakedProject:
    """A baked project of one dependency set, installed in its own environment (`bin`)."""

    dependency_set: DependencySet
    path: Path
    bin: Path
    slug: str


def bake(answers: dict[str, str], output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    return Path(
        cookiecutter(
            str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
        )
    )


def run(
    command: list[str],
    cwd: Path,
    env: Mapping[str, str | None] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """Run a command; its output becomes the assertion message when it fails.

    `env` adds to this process's environment; a None value removes that variable.
    """
    merged = {**os.environ, **(env or {}), "VIRTUAL_ENV": None}
    given = {name: value for name, value in merged.items() if value is not None}
    return subprocess.run(
        command, cwd=cwd, env=given, capture_output=True, text=True, timeout=timeout, check=False
    )


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-8000:]}\n{result.stderr[-8000:]}"


def install(project: Path, env_dir: Path, python: str = sys.executable) -> Path:
    """A virtual environment with the baked project and its dev extras, exactly as its
    uv.lock pins them (uv refuses a lock its pyproject.toml has outgrown); returns its bin/."""
    result = run(
        [
            "uv",
            "sync",
            "--locked",
            "--extra",
            "dev",
            "--quiet",
            # Each set's environment starts a hundred processes or more (servers, commands,
            # suites); without bytecode, under PYTHONDONTWRITEBYTECODE each one would
            # compile every module it imports, which tripled a command's start-up time.
            "--compile-bytecode",
            "--python",
            python,
        ],
        cwd=project,
        env={"UV_PROJECT_ENVIRONMENT": str(env_dir)},
    )
    assert result.returncode == 0, output_of(result)
    return env_dir / "bin"


@functools.cache
def find_python(version: str) -> str | None:
    """An interpreter of that Python version ("3.13") on this machine, or None.

    uv finds those on PATH and its own installs; pyenv's shims answer only for the versions
    pyenv has selected, so pyenv's installs are looked up in its folder too."""
    command = ["uv", "python", "find", "--no-project", "--no-python-downloads", version]
    result = run(command, cwd=TEMPLATE)
    if result.returncode == 0:
        return result.stdout.strip()
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    patches = {
        int(found.name.rsplit(".", 1)[1]): found
        for found in versions.glob(f"{version}.*")
        if re.fullmatch(rf"{re.escape(version)}\.\d+", found.name)
    }
    if not patches:
        return None
    return str(patches[max(patches)] / "bin" / f"python{version}")
