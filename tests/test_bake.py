"""Every accepted combination bakes into a clean, linted project holding exactly its files."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.baking import bake, output_of, run
from tests.matrix import TEMPLATE, accepted, combination_id, manifest

LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}")
# The web framework's own templates (the docs page's), which the bake copies as they are.
FRAMEWORK_TEMPLATES = "app/api/templates/"
PROJECT_TEMPLATE = next(TEMPLATE.glob("{{*}}"))


def template_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def expected_files(answers: dict[str, str]) -> tuple[set[str], set[str]]:
    """(files this answer set must have, files it must not), both relative to the project,
    from the manifest alone."""
    every = template_files(PROJECT_TEMPLATE)
    wanted: set[str] = set()
    owned: set[str] = set()
    for option, values in manifest().items():
        for value, paths in values.items():
            for path in paths:
                files = {f for f in every if f == path or f.startswith(path + "/")}
                owned |= files
                if answers[option] == value:
                    wanted |= files

    def placed(file: str) -> str:
        # An overlay's files land at the project root.
        parts = Path(file).parts
        return str(Path(*parts[2:])) if parts[0] == "_variants" else file

    shared = every - owned
    must_have = {placed(f) for f in shared | wanted}
    must_not = {placed(f) for f in owned - wanted} - must_have
    return must_have, must_not


@pytest.fixture(scope="module")
def bakes(tmp_path_factory: pytest.TempPathFactory):
    """One bake per combination, shared by the tests that inspect it."""
    root = tmp_path_factory.mktemp("bakes")
    baked: dict[str, Path] = {}

    def get(answers: dict[str, str]) -> Path:
        key = combination_id(answers)
        if key not in baked:
            baked[key] = bake(answers, root / key)
        return baked[key]

    return get


@pytest.mark.parametrize("answers", accepted(), ids=combination_id)
def test_every_combination_bakes_clean(answers: dict[str, str], bakes, tmp_path: Path) -> None:
    project = bakes(answers)
    files = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}

    must_have, must_not = expected_files(answers)
    assert must_have - {".env"} <= files, f"missing: {sorted(must_have - files)}"
    assert not files & must_not, f"left from unchosen variants: {sorted(files & must_not)}"
    assert not (project / "_variants").exists()

    for name in sorted(f for f in files if not f.startswith(FRAMEWORK_TEMPLATES)):
        text = (project / name).read_text(errors="replace")
        assert not LEFTOVER_JINJA.search(text), f"Jinja left in {name}"

    env_file = (project / ".env").read_text()
    assert re.search(r"^JWT_SECRET=\S{40,}$", env_file, re.MULTILINE)
    assert ".env" in (project / ".gitignore").read_text().splitlines()

    for command in (
        ["ruff", "check", "--no-cache", "."],
        ["ruff", "format", "--check", "--no-cache", "."],
        # Medium and high severity, at any confidence: the low ones are mostly
        # "token" strings taken for passwords and asserts in tests.
        ["bandit", "--recursive", "app", "--severity-level", "medium", "--quiet"],
        # The layer contract reads imports statically, so it needs no installed dependencies.
        ["lint-imports", "--no-cache"],
        # Its pyproject.toml builds the installable wheel; tests/test_suites.py installs it
        # with every dependency, once per dependency set.
        ["uv", "build", "--wheel", "--quiet", "--out-dir", str(tmp_path), "."],
    ):
        result = run(command, cwd=project)
        assert result.returncode == 0, output_of(result)


@pytest.mark.parametrize("answers", accepted(), ids=combination_id)
def test_deployment_files_pass_their_linters(answers: dict[str, str], bakes) -> None:
    project = bakes(answers)
    if answers["use_docker"] == "y":
        result = run(["hadolint", "Dockerfile"], cwd=project)
        assert result.returncode == 0, output_of(result)
        result = run(
            ["check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
            cwd=project,
        )
        assert result.returncode == 0, output_of(result)
        services = set(yaml.safe_load((project / "compose.yaml").read_text())["services"])
        assert {"app", "migrate", "db"} <= services
        assert ("redis" in services) == (answers["use_redis"] == "y")
    if answers["ci"] == "github":
        workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
        assert workflows
        result = run(["actionlint", *workflows], cwd=project)
        assert result.returncode == 0, output_of(result)
    if answers["ci"] == "gitlab":
        result = run(
            ["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", ".gitlab-ci.yml"],
            cwd=project,
        )
        assert result.returncode == 0, output_of(result)


def test_baking_the_same_answers_twice_gives_the_same_tree_but_a_fresh_secret(
    tmp_path: Path,
) -> None:
    first = bake({}, tmp_path / "first")
    second = bake({}, tmp_path / "second")
    first_files = template_files(first)
    assert first_files == template_files(second)
    for name in first_files - {".env"}:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / ".env").read_text() != (second / ".env").read_text()
    shutil.rmtree(tmp_path)
