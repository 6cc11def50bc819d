"""Bad answers stop the bake with one sentence naming the field, and write nothing."""

import json
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import CookiecutterException, FailedHookException

from tests.baking import bake, output_of, run
from tests.matrix import TEMPLATE, combination_id, rejected, unsupported

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
    answers: dict[str, str], field: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FailedHookException):
        bake(answers, tmp_path)
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")]
    assert errors[0].startswith(f"ERROR: {field} "), errors
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answers", rejected(), ids=combination_id)
def test_an_unsupported_combination_is_refused_with_its_reason(
    answers: dict[str, str], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FailedHookException):
        bake(answers, tmp_path)
    reasons = [why for combo, why in unsupported() if combo.items() <= answers.items()]
    assert f"ERROR: {reasons[0]}" in capfd.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    ["Café Ünïcode Service", "Team's API (beta)", "a" * 80, "Acme: Billing #1 & co"],
)
def test_a_plain_name_gives_a_valid_slug_and_a_working_bake(name: str, tmp_path: Path) -> None:
    project = bake({"project_name": name}, tmp_path)
    assert project.parent == tmp_path
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
    field: str, label: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    value = HOSTILE[label]
    output = tmp_path / "output"
    try:
        project = bake({field: value}, output)
    except (CookiecutterException, OSError, ValueError) as refused:
        if field == "project_slug" and label in FAILS_BEFORE_THE_HOOKS:
            assert str(refused).strip() and "\n" not in str(refused).strip(), refused
        else:
            assert isinstance(refused, FailedHookException), refused
            errors = [
                line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR: ")
            ]
            assert len(errors) == 1 and errors[0].startswith(f"ERROR: {field} "), errors
        assert not [path for path in output.rglob("*") if not path.is_dir()]
        if not (field == "project_slug" and label == "slash"):
            # cookiecutter makes "a/" for the slug "a/b" before the hook refuses it, and
            # removes only "a/b".
            assert list(output.iterdir()) == []
    else:
        assert project.parent == output
        assert all(found == value for found in written_as_given(project, field))
        result = run(["ruff", "check", "--no-cache", "."], cwd=project)
        assert result.returncode == 0, output_of(result)
    assert list(tmp_path.iterdir()) == [output], "written beside the output folder"


def test_a_template_given_by_a_relative_path_bakes(tmp_path: Path) -> None:
    """`cookiecutter .` from a clone: the hooks run elsewhere and must not need that path."""
    result = run(["cookiecutter", "--no-input", "--output-dir", str(tmp_path), "."], cwd=TEMPLATE)
    assert result.returncode == 0, output_of(result)
    assert (tmp_path / "acme-api" / "pyproject.toml").is_file()
