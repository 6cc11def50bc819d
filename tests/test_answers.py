"""Bad answers stop the bake with one sentence naming the field, and write nothing."""

from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.baking import bake
from tests.matrix import combination_id, rejected, unsupported

BAD_ANSWERS = [
    ({"project_slug": "Acme API"}, "project_slug"),
    ({"project_slug": "1acme"}, "project_slug"),
    ({"project_slug": "acme--api"}, "project_slug"),
    ({"project_slug": "../escape"}, "project_slug"),
    ({"project_slug": "a" * 51}, "project_slug"),
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
