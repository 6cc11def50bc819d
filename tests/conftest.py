"""Fixtures shared by the template's tests: baked projects and their environments."""

import sys
from typing import Protocol

import pytest

from harness.baking import BakedProject, bake, install
from harness.matrix import TEMPLATE, DependencySet, accepted, dependency_sets, rejected


def pytest_report_header() -> list[str]:
    return [
        f"template matrix: {len(accepted())} combinations bake, {len(rejected())} are rejected, "
        f"{len(dependency_sets())} dependency sets"
    ]


_baked: dict[tuple[DependencySet, str], BakedProject] = {}


class BakedSet(Protocol):
    def __call__(
        self, dependency_set: DependencySet, python: str = sys.executable
    ) -> BakedProject: ...


@pytest.fixture(scope="session")
def baked_set(tmp_path_factory: pytest.TempPathFactory) -> BakedSet:
    """Bake and install one project per dependency set and Python (this process's own,
    unless another interpreter is given), once per test process."""

    def get(dependency_set: DependencySet, python: str = sys.executable) -> BakedProject:
        key = (dependency_set, python)
        if key not in _baked:
            root = tmp_path_factory.mktemp(dependency_set.id)
            path = bake(dependency_set.answers(), root / "baked")
            _baked[key] = BakedProject(
                dependency_set, path, install(path, root / "env", python), path.name
            )
        return _baked[key]

    return get


def pytest_configure(config: pytest.Config) -> None:
    # pytest-cookies bakes the template at --template, the working directory by default;
    # these tests bake this repository's template wherever pytest is started.
    config.option.template = str(TEMPLATE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--framework",
        action="append",
        default=[],
        help="run only the slice of the matrix for this framework (repeatable)",
    )


def _framework_of(item: pytest.Item) -> str | None:
    for value in getattr(getattr(item, "callspec", None), "params", {}).values():
        if isinstance(value, DependencySet):
            return value.framework
        if isinstance(value, dict) and "framework" in value:
            return str(value["framework"])
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = config.getoption("--framework")
    if not wanted:
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        framework = _framework_of(item)
        (kept if framework is None or framework in wanted else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the docs page's browser test saved its screenshots, and what each page listed
    (reported by the workers, so that a run with -n names them too)."""
    # Imported here: the contract helpers import this module.
    from tests.contract.helpers import DOCS_SCREENSHOT_PROPERTY

    saved = [
        value
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name == DOCS_SCREENSHOT_PROPERTY
    ]
    if saved:
        terminalreporter.write_sep("-", "docs page screenshots")
        for line in saved:
            terminalreporter.write_line(str(line))
