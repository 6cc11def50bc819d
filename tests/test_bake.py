"""Every accepted combination bakes into a clean, linted project holding exactly its files."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_cookies.plugin import Cookies

from harness.baking import output_of, run
from harness.matrix import PROJECT_TEMPLATE, accepted, answer, combination_id, manifest
from tests.cookies import project_of
from tests.kubernetes import REQUIRED_IN_PRODUCTION, settings_variables

LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}")
# The web framework's own templates (the docs page's), which the bake copies as they are.
FRAMEWORK_TEMPLATES = "app/api/templates/"


def template_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def expected_files(answers: dict[str, str]) -> tuple[set[str], set[str]]:
    """(files this answer set must have, files it must not), both relative to the project,
    from the manifest alone."""
    every = template_files(PROJECT_TEMPLATE)
    # template file -> where it lands: an overlay's files at the project root.
    wanted: dict[str, str] = {}
    owned: dict[str, str] = {}
    for option, values in manifest().items():
        for value, paths in values.items():
            for path in paths:
                files = {
                    f: str(Path(f).relative_to(path)) if path.startswith("_variants/") else f
                    for f in every
                    if f == path or f.startswith(path + "/")
                }
                owned |= files
                if answer(answers, option) == value:
                    wanted |= files

    must_have = {f for f in every if f not in owned} | set(wanted.values())
    must_not = {owned[f] for f in owned if f not in wanted} - must_have
    return must_have, must_not


Bakes = Callable[[dict[str, str]], Path]


@pytest.fixture(scope="module")
def bakes(cookies_session: Cookies) -> Bakes:
    """One bake per combination, shared by the tests that inspect it."""
    baked: dict[str, Path] = {}

    def get(answers: dict[str, str]) -> Path:
        key = combination_id(answers)
        if key not in baked:
            baked[key] = project_of(cookies_session.bake(extra_context=answers))
        return baked[key]

    return get


@pytest.mark.parametrize("answers", accepted(), ids=combination_id)
def test_every_combination_bakes_clean(
    answers: dict[str, str], bakes: Bakes, tmp_path: Path
) -> None:
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

    if answers["use_kubernetes"] == "y":
        # Beside the manifests and their guide, only the README's pointer to them differs
        # from the same answers without Kubernetes, whose test lints the rest: the
        # manifests have tests/test_kubernetes.py.
        twin = bakes({**answers, "use_kubernetes": "n"})
        assert differing_files(project, twin) - KUBERNETES_FILES == {"README.md", ".env"}
        return

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


def differing_files(project: Path, other: Path) -> set[str]:
    """The files one of the two projects lacks, or holds otherwise."""
    ours, theirs = template_files(project), template_files(other)
    same = {
        name
        for name in ours & theirs
        if (project / name).read_bytes() == (other / name).read_bytes()
    }
    return (ours | theirs) - same


# The files use_kubernetes=y adds, from the manifest.
KUBERNETES_FILES = {
    name
    for name in template_files(PROJECT_TEMPLATE)
    for path in manifest()["use_kubernetes"]["y"]
    if name == path or name.startswith(path + "/")
}


# The same answers with use_kubernetes=y have these very files (the test above checks it).
@pytest.mark.parametrize(
    "answers", [a for a in accepted() if a["use_kubernetes"] == "n"], ids=combination_id
)
def test_deployment_files_pass_their_linters(answers: dict[str, str], bakes: Bakes) -> None:
    project = bakes(answers)
    if answers["use_docker"] == "y":
        result = run(["hadolint", "Dockerfile"], cwd=project)
        assert result.returncode == 0, output_of(result)
        check_schema(project, "vendor.compose-spec", "compose.yaml")
        services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
        assert {"app", "migrate", "db"} <= set(services)
        assert ("redis" in services) == (answers["use_redis"] == "y")
        check_compose_services(project, services, answers["use_redis"] == "y")
    if answers["ci"] == "github":
        workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
        assert workflows
        result = run(["actionlint", *workflows], cwd=project)
        assert result.returncode == 0, output_of(result)
        check_schema(project, "vendor.dependabot", ".github/dependabot.yml")
        updated = {u["package-ecosystem"] for u in updates_of(project / ".github/dependabot.yml")}
        with_docker = {"docker", "docker-compose"} if answers["use_docker"] == "y" else set()
        assert updated == {"uv", "github-actions", *with_docker}
    if answers["ci"] == "gitlab":
        check_schema(project, "vendor.gitlab-ci", ".gitlab-ci.yml")
        check_schema(project, "vendor.renovate", "renovate.json")


def check_compose_services(project: Path, services: dict[str, Any], with_redis: bool) -> None:
    """Every service is health-checked (a one-off command is waited for until it exits
    instead), and waited for healthy; the service's variables are ones its settings read."""
    one_off = {name for name, s in services.items() if s["healthcheck"] == {"disable": True}}
    assert one_off == {"migrate"}
    for service in services.values():
        for name, dependency in service.get("depends_on", {}).items():
            awaited = "service_completed_successfully" if name in one_off else "service_healthy"
            assert dependency["condition"] == awaited, (name, dependency)
    wanted = REQUIRED_IN_PRODUCTION if with_redis else REQUIRED_IN_PRODUCTION - {"REDIS_URL"}
    for name in ("app", "migrate"):
        given = set(services[name]["environment"])
        assert given <= settings_variables(project), sorted(given - settings_variables(project))
        assert given >= wanted, sorted(wanted - given)
        assert services[name]["environment"]["ENVIRONMENT"] == "production"


def check_schema(project: Path, schema: str, file: str) -> None:
    result = run(["check-jsonschema", "--builtin-schema", schema, file], cwd=project)
    assert result.returncode == 0, output_of(result)


def updates_of(dependabot: Path) -> list[dict[str, Any]]:
    """Dependabot's entries; each must come weekly, its updates grouped into one request."""
    updates: list[dict[str, Any]] = yaml.safe_load(dependabot.read_text())["updates"]
    for update in updates:
        assert update["schedule"]["interval"] == "weekly", update
        assert [g["patterns"] for g in update["groups"].values()] == [["*"]], update
    return updates


def test_baking_the_same_answers_twice_gives_the_same_tree_but_a_fresh_secret(
    cookies: Cookies,
) -> None:
    first = project_of(cookies.bake())
    second = project_of(cookies.bake())
    first_files = template_files(first)
    assert first_files == template_files(second)
    for name in first_files - {".env"}:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / ".env").read_text() != (second / ".env").read_text()
