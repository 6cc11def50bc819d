"""Bad answers stop the bake with one sentence naming the field, and write nothing."""

import json
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import CookiecutterException, FailedHookException
from pytest_cookies.plugin import Cookies

from harness.baking import output_of, run
from harness.matrix import TEMPLATE, combination_id, rejected, unsupported
from tests.cookies import left_behind, output_folder, project_of, refusal_of

BAD_ANSWERS = [
    ({"project_slug": "Acme API"}, "project_slug"),
    ({"project_slug": "1acme"}, "project_slug"),
    ({"project_slug": "acme--api"}, "project_slug"),
    ({"project_slug": "../escape"}, "project_slug"),
    ({"project_slug": "a" * 51}, "project_slug"),
    # The name of a package the project depends on: it could not be installed.
    ({"project_slug": "flask", "framework": "flask"}, "project_slug"),
    ({"project_slug": "pydantic-settings"}, "project_slug"),
    ({"project_slug": "pytest", "framework": "django"}, "project_slug"),
    ({"author_email": "not-an-address"}, "author_email"),
    ({"author_email": "a@b"}, "author_email"),
    ({"author_email": "a b@example.com"}, "author_email"),
    ({"author_email": '"quoted"@example.com'}, "author_email"),
    ({"project_name": ""}, "project_name"),
    ({"project_name": "   "}, "project_name"),
    ({"project_name": 'Acme "API"'}, "project_name"),
    ({"project_name": "Acme\nAPI", "project_slug": "acme"}, "project_name"),
    ({"project_name": "x" * 81, "project_slug": "acme"}, "project_name"),
    ({"author_name": "{% raw %}"}, "author_name"),
    ({"description": "costs $HOME"}, "description"),
    ({"description": "<script>alert(1)</script>"}, "description"),
]


@pytest.mark.parametrize(("answers", "field"), BAD_ANSWERS, ids=[f for _, f in BAD_ANSWERS])
def test_a_bad_answer_names_its_field_and_writes_nothing(
    answers: dict[str, str],
    field: str,
    cookies: Cookies,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    refused = refusal_of(cookies.bake(extra_context=answers))
    assert isinstance(refused, FailedHookException), refused
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert errors[0].startswith(f"ERROR: {field} "), errors
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize("answers", rejected(), ids=combination_id)
def test_an_unsupported_combination_is_refused_with_its_reason(
    answers: dict[str, str], cookies: Cookies, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    refused = refusal_of(cookies.bake(extra_context=answers))
    assert isinstance(refused, FailedHookException), refused
    reasons = [why for combo, why in unsupported() if combo.items() <= answers.items()]
    assert f"ERROR: {reasons[0]}" in capfd.readouterr().err
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize(
    "name",
    ["Café Ünïcode Service", "Team's API (beta)", "a" * 80, "Acme: Billing #1 & co"],
)
def test_a_plain_name_gives_a_valid_slug_and_a_working_bake(
    name: str, cookies: Cookies, tmp_path: Path
) -> None:
    project = project_of(cookies.bake(extra_context={"project_name": name}))
    assert project.parent.parent == output_folder(tmp_path)
    assert (project / "pyproject.toml").is_file()
    assert project.name.replace("-", "").isalnum()


HOSTILE = {
    "empty": "",
    "parent-path": "../x",
    "slash": "a/b",
    "backslash": "a\\b",
    "single-quote": "it's",
    "double-quote": 'say "hi"',
    "jinja-expression": "{{ 7*7 }}",
    "jinja-block": "{% raw %}",
    "very-long": "x" * 10_000,
    "accents": "Café Ünïcode",
    "emoji": "Rocket 🚀",
    "right-to-left": "مرحبا بالعالم",
    "nul": "a\x00b",
    "control": "a\x1bb",
}
FREE_TEXT = ["project_name", "project_slug", "description", "author_name", "author_email"]
# Slugs cookiecutter fails on itself while making the project folder, before any hook can
# speak: empty (the output folder itself, also what "{% raw %}" renders to), too long for
# a file name, or holding a NUL. Its own one-line error then stands.
FAILS_BEFORE_THE_HOOKS = {"empty", "jinja-block", "very-long", "nul"}


def written_as_given(project: Path, field: str) -> list[object]:
    """Where the baked project holds that answer, as read back from each file."""
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    facts = json.loads((project / "app" / "core" / "project.json").read_text())
    return {
        "project_name": [
            facts["name"],
            (project / "README.md").read_text().splitlines()[0].removeprefix("# "),
        ],
        "project_slug": [project.name, pyproject["name"], facts["slug"]],
        "description": [pyproject["description"], facts["description"]],
        "author_name": [pyproject["authors"][0]["name"]],
        "author_email": [pyproject["authors"][0]["email"]],
    }[field]


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("field", FREE_TEXT)
def test_a_hostile_answer_is_refused_in_one_line_or_baked_literally(
    field: str,
    label: str,
    cookies: Cookies,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    value = HOSTILE[label]
    result = cookies.bake(extra_context={field: value})
    if result.exception is None:
        project = project_of(result)
        assert project.parent.parent == output_folder(tmp_path), "baked outside its folder"
        assert all(found == value for found in written_as_given(project, field))
        linted = run(["ruff", "check", "--no-cache", "."], cwd=project)
        assert linted.returncode == 0, output_of(linted)
        return
    refused = result.exception
    if field == "project_slug" and label in FAILS_BEFORE_THE_HOOKS:
        assert isinstance(refused, CookiecutterException | OSError | ValueError), refused
        assert str(refused).strip() and "\n" not in str(refused).strip(), refused
    else:
        assert isinstance(refused, FailedHookException), refused
        errors = [
            line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")
        ]
        assert len(errors) == 1 and errors[0].startswith(f"ERROR: {field} "), errors
    left = left_behind(tmp_path)
    if field == "project_slug" and label == "slash":
        # cookiecutter makes "a/" for the slug "a/b" before the hook refuses it, and
        # removes only "a/b".
        left = [path for path in left if not path.is_dir()]
    assert left == [], "a refused bake left files behind"


def test_a_template_given_by_a_relative_path_bakes(tmp_path: Path) -> None:
    """`cookiecutter .` from a clone: the hooks run elsewhere and must not need that path."""
    result = run(["cookiecutter", "--no-input", "--output-dir", str(tmp_path), "."], cwd=TEMPLATE)
    assert result.returncode == 0, output_of(result)
    assert (tmp_path / "acme-api" / "pyproject.toml").is_file()
