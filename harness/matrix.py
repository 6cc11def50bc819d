"""The option matrix, read from cookiecutter.json and the pre-gen hook themselves."""

import ast
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, cast

TEMPLATE = Path(__file__).resolve().parent.parent
HOOKS = TEMPLATE / "hooks"
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"


def options() -> dict[str, list[str]]:
    """Every question whose answer is a choice, with its choices."""
    raw = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    return {k: v for k, v in raw.items() if isinstance(v, list) and not k.startswith("_")}


def _hook_constant(hook: str, name: str) -> object:
    tree = ast.parse((HOOKS / hook).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"{name} is not in hooks/{hook}")


def unsupported() -> list[tuple[dict[str, str], str]]:
    combinations = cast(
        tuple[tuple[dict[str, str], str], ...], _hook_constant("pre_gen_project.py", "UNSUPPORTED")
    )
    return [(dict(combo), why) for combo, why in combinations]


def manifest() -> dict[str, dict[str, list[str]]]:
    return cast(dict[str, dict[str, list[str]]], _hook_constant("post_gen_project.py", "MANIFEST"))


def locked_name() -> str:
    """The name each dependency set's lock gives the project, until a bake gives it the slug."""
    name = _hook_constant("post_gen_project.py", "LOCKED_NAME")
    assert isinstance(name, str), name
    return name


def answer(answers: dict[str, str], option: str) -> str:
    """The answer to a manifest option, or to several named together, as the hook reads it."""
    return " ".join(answers[name] for name in option.split())


def is_rejected(answers: dict[str, str]) -> bool:
    return any(all(answers[k] == v for k, v in combo.items()) for combo, _ in unsupported())


def combinations() -> Iterator[dict[str, str]]:
    """Every choice crossed with every other."""
    names = list(options())
    for values in itertools.product(*options().values()):
        yield dict(zip(names, values, strict=True))


def accepted() -> list[dict[str, str]]:
    return [answers for answers in combinations() if not is_rejected(answers)]


def rejected() -> list[dict[str, str]]:
    return [answers for answers in combinations() if is_rejected(answers)]


class DependencySet(NamedTuple):
    """What decides a baked project's Python dependencies and code."""

    framework: str
    database: str
    use_redis: str

    @property
    def id(self) -> str:
        redis = "redis" if self.use_redis == "y" else "noredis"
        return f"{self.framework}-{self.database}-{redis}"

    def answers(self) -> dict[str, str]:
        """The leanest full answers for this set: the extras do not change Python code.
        Its name is not the default one, so that no code or test can lean on that."""
        full = next(
            a for a in accepted() if (a["framework"], a["database"], a["use_redis"]) == tuple(self)
        )
        return {**full, "project_name": "Ledger Service", "project_slug": "ledger-service"}


def dependency_sets() -> list[DependencySet]:
    seen: dict[DependencySet, None] = {}
    for answers in accepted():
        seen[DependencySet(answers["framework"], answers["database"], answers["use_redis"])] = None
    return list(seen)


def combination_id(answers: dict[str, str]) -> str:
    return "-".join(f"{k}={v}" for k, v in answers.items())
