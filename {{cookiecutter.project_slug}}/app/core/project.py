"""The project's names, written once by the template into project.json."""

import json
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    slug: str
    description: str


def _load() -> Project:
    raw = json.loads(resources.files(__package__).joinpath("project.json").read_text("utf-8"))
    return Project(name=raw["name"], slug=raw["slug"], description=raw["description"])


PROJECT = _load()
