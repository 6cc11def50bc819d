"""Reading the results of pytest-cookies, through which the bake tests bake."""

from pathlib import Path

from pytest_cookies.plugin import Result


def project_of(result: Result) -> Path:
    """The baked project; a failed bake fails the test with cookiecutter's own error."""
    assert result.exit_code == 0, f"the bake failed: {result.exception!r}"
    return Path(result.project_path)


def refusal_of(result: Result) -> BaseException:
    """Why the bake stopped; a bake that went through fails the test."""
    refused = result.exception
    assert isinstance(refused, BaseException), f"baked {result.project_path}, expected a refusal"
    return refused


def output_folder(tmp_path: Path) -> Path:
    """Where the `cookies` fixture bakes within a test's tmp_path: a folder bakeNN per bake."""
    return tmp_path / "cookies"


def left_behind(tmp_path: Path) -> list[Path]:
    """What the test's bakes left in tmp_path, the empty bakeNN folders of `cookies` aside."""
    output = output_folder(tmp_path)
    return sorted(
        path
        for path in tmp_path.rglob("*")
        if path != output
        and not (path.parent == output and path.is_dir() and not any(path.iterdir()))
    )
