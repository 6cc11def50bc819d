"""The template's own code is held to the standard of the code it bakes: ruff and
`mypy --strict` (configured in pyproject.toml) pass over the hooks, the harness, the tests
and the benchmark."""

import pytest

from harness.baking import output_of, run
from harness.matrix import TEMPLATE

OWN_CODE = ["hooks", "harness", "tests", "bench"]
CHECKS = {
    "ruff-check": ["ruff", "check", "--no-cache", *OWN_CODE],
    "ruff-format": ["ruff", "format", "--check", "--no-cache", *OWN_CODE],
    # Its files are the same four, from pyproject.toml.
    "mypy": ["mypy"],
}


@pytest.mark.parametrize("command", CHECKS.values(), ids=list(CHECKS))
def test_the_templates_own_code_passes(command: list[str]) -> None:
    result = run(command, cwd=TEMPLATE)
    assert result.returncode == 0, output_of(result)
