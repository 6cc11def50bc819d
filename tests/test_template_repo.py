"""The template repository's own files: its workflows and Dependabot file, and updates
through cruft."""

import json
import shutil
import subprocess
from pathlib import Path

from harness.baking import output_of, run
from harness.matrix import TEMPLATE

GIT_IDENTITY = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]


def git(cwd: Path, *args: str) -> None:
    result = run(["git", *GIT_IDENTITY, *args], cwd=cwd)
    assert result.returncode == 0, output_of(result)


def test_the_template_workflows_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (TEMPLATE / ".github" / "workflows").glob("*.yml"))
    result = run(["actionlint", *workflows], cwd=TEMPLATE)
    assert result.returncode == 0, output_of(result)


def test_the_template_dependabot_file_passes_its_schema() -> None:
    dependabot = str(TEMPLATE / ".github" / "dependabot.yml")
    result = run(
        ["check-jsonschema", "--builtin-schema", "vendor.dependabot", dependabot], TEMPLATE
    )
    assert result.returncode == 0, output_of(result)


def copy_of_template(target: Path) -> Path:
    """The template's committed files, as a git repository of their own."""
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=TEMPLATE, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        source = TEMPLATE / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "template v1")
    return target


def test_cruft_update_brings_a_template_change_into_an_edited_project(tmp_path: Path) -> None:
    template = copy_of_template(tmp_path / "template")
    answers = {"framework": "fastapi", "database": "sqlite", "use_docker": "n", "ci": "none"}
    result = run(
        [
            "cruft",
            "create",
            str(template),
            "--no-input",
            "--extra-context",
            json.dumps(answers),
            "--output-dir",
            str(tmp_path),
        ],
        cwd=tmp_path,
    )
    assert result.returncode == 0, output_of(result)
    project = tmp_path / "acme-api"
    assert json.loads((project / ".cruft.json").read_text())["template"] == str(template)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "baked")

    # The project's own edit, in a file the template will not touch.
    listing = project / "app" / "core" / "listing.py"
    listing.write_text(listing.read_text().replace("DEFAULT_LIMIT = 20", "DEFAULT_LIMIT = 25"))
    git(project, "commit", "-q", "-am", "our own default page size")

    # A change in the template, made after the bake.
    errors = template / "{{cookiecutter.project_slug}}" / "app" / "core" / "errors.py"
    errors.write_text(errors.read_text().replace('"Too many requests"', '"Slow down"'))
    git(template, "commit", "-q", "-am", "template v2: friendlier 429 message")

    result = run(["cruft", "update", "--skip-apply-ask", "--allow-untracked-files"], cwd=project)
    assert result.returncode == 0, output_of(result)
    assert '"Slow down"' in (project / "app" / "core" / "errors.py").read_text()
    assert "DEFAULT_LIMIT = 25" in listing.read_text()
    assert run(["cruft", "check"], cwd=project).returncode == 0
