"""Every framework's bake keeps each concept at the path docs/architecture.md gives it."""

import re
from pathlib import Path

import pytest

from harness.baking import bake
from harness.matrix import TEMPLATE, DependencySet, options

ARCHITECTURE = TEMPLATE / "docs" / "architecture.md"
COLUMNS = {"FastAPI": "fastapi", "Flask": "flask", "Django": "django"}


def table() -> dict[str, dict[str, list[str]]]:
    """framework -> concept -> the paths its cell names."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in ARCHITECTURE.read_text().splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ]
    header, body = rows[0], rows[1:]
    paths: dict[str, dict[str, list[str]]] = {}
    for column, name in enumerate(header[1:], start=1):
        framework = COLUMNS[name]
        paths[framework] = {row[0]: re.findall(r"`([^`]+)`", row[column]) for row in body}
    return paths


def test_the_table_names_every_framework_and_a_path_in_every_cell() -> None:
    paths = table()
    assert sorted(paths) == sorted(options()["framework"])
    assert all(cell for concepts in paths.values() for cell in concepts.values())


@pytest.mark.parametrize("framework", list(options()["framework"]))
def test_every_concept_is_where_the_architecture_table_says(framework: str, tmp_path: Path) -> None:
    project = bake(DependencySet(framework, "postgresql", "y").answers(), tmp_path)
    missing = [
        f"{concept}: {path}"
        for concept, cell in table()[framework].items()
        for path in cell
        if not (project / path).exists()
    ]
    assert not missing, f"{framework} bakes without:\n" + "\n".join(missing)
