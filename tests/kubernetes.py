"""Reading a baked project's deployment files, and the settings they feed."""

import ast
from pathlib import Path
from typing import Any

import yaml

MANIFESTS = Path("deploy/kubernetes")
BASE = MANIFESTS / "base"
PRODUCTION = MANIFESTS / "overlays" / "production"
SECRET_EXAMPLE = PRODUCTION / "secret.env.example"
# The file the operator writes from the example, which the production overlay reads.
SECRET_FILE = PRODUCTION / "secret.env"

# What a production process cannot do without: ENVIRONMENT's default is development,
# DATABASE_URL's a SQLite file, JWT_SECRET has none, and without REDIS_URL every replica
# would keep its own limits and cache.
REQUIRED_IN_PRODUCTION = frozenset({"ENVIRONMENT", "DATABASE_URL", "REDIS_URL", "JWT_SECRET"})
# Those holding a password or a key: they come from the Secret, never from a ConfigMap.
SECRET_VARIABLES = frozenset({"DATABASE_URL", "REDIS_URL", "JWT_SECRET"})


def settings_variables(project: Path) -> set[str]:
    """The environment variables the project's Settings read: pydantic-settings names each
    field's variable after the field, upper-cased, with no prefix."""
    tree = ast.parse((project / "app" / "core" / "settings.py").read_text())
    settings = next(
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Settings"
    )
    names = set()
    for node in settings.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "model_config" for target in node.targets
        ):
            assert "env_prefix" not in ast.unparse(node.value), "Settings use a prefix"
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id.upper())
    assert names, "no fields found in Settings"
    return names


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as kustomize reads a generator's env file."""
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            entries[key.strip()] = value
    return entries


def read_yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def base_settings(project: Path) -> dict[str, str]:
    """The settings ConfigMap's literals in the base."""
    generators = read_yaml(project / BASE / "kustomization.yaml")["configMapGenerator"]
    literals = next(g for g in generators if g["name"].endswith("-settings"))["literals"]
    return dict(literal.split("=", 1) for literal in literals)


def only(resources: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [resource for resource in resources if resource["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def container(workload: dict[str, Any]) -> dict[str, Any]:
    """The one container of a Deployment's or a Job's pod."""
    containers: list[dict[str, Any]] = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, containers
    return containers[0]


def option(args: list[str], name: str) -> str:
    """The value given to a command-line option (`--port 8000`)."""
    assert args.count(name) == 1, f"{name} once in {args}"
    return args[args.index(name) + 1]


def pause_seconds(web: dict[str, Any]) -> int:
    """The preStop pause: `sleep N`."""
    command = web["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, command
    return int(command[1])


def named_port(web: dict[str, Any], name: str) -> int:
    return next(int(port["containerPort"]) for port in web["ports"] if port["name"] == name)
