"""The Kubernetes manifests of every combination that has them (use_kubernetes=y).

No cluster and no container engine run here: the manifests are assembled with
`kubectl kustomize` (skipped, saying so, where kubectl is missing), every resource is
validated against the schemas of a pinned Kubernetes version, checkov reads them and the
Dockerfile, and what they say is held to what the service does: the variables its settings
read, the paths and port it serves, the drain it takes, the connections it opens.
tests/contract/test_rolling_update.py replaces live replicas the way these manifests do.
"""

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from harness.baking import bake, output_of, run
from harness.matrix import TEMPLATE, accepted, combination_id
from tests.kubernetes import (
    BASE,
    PRODUCTION,
    REQUIRED_IN_PRODUCTION,
    SECRET_EXAMPLE,
    SECRET_FILE,
    SECRET_VARIABLES,
    container,
    env_file,
    named_port,
    only,
    option,
    pause_seconds,
    settings_variables,
)

DOCKERFILE = Path("Dockerfile")
# The newest release whose schemas kubernetes-validate ships (it needs no network).
KUBERNETES_VERSION = "1.37.0"
# PostgreSQL's defaults: max_connections, of which superuser_reserved_connections are
# kept for superusers.
POSTGRES_MAX_CONNECTIONS = 100
POSTGRES_RESERVED_CONNECTIONS = 3
# The migration Job's one connection, open while a rollout may be under way.
MIGRATION_CONNECTIONS = 1
# SQLAlchemy's QueuePool when create_engine is given no size: 5, and 10 more on demand.
SQLALCHEMY_DEFAULT_POOL = 5 + 10
# The contract's health endpoints (docs/contract.md), held to every framework by
# tests/contract/test_health_and_docs.py.
LIVENESS_PATH = "/health"
READINESS_PATH = "/health/ready"

BASE_KINDS = {
    "Namespace",
    "ServiceAccount",
    "ConfigMap",
    "Service",
    "Deployment",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
}

# One worker of the test run takes them all: each combination is baked once, and
# assembled and read by checkov once per distinct content.
PARAMS = [
    pytest.param(answers, id=combination_id(answers), marks=pytest.mark.xdist_group("kubernetes"))
    for answers in accepted()
    if answers["use_kubernetes"] == "y"
]


class Assembled:
    """A baked project with its base and production overlay assembled."""

    def __init__(self, project: Path, kubectl: str) -> None:
        self.project = project
        # The operator's step before the overlay builds: secret.env, here with the
        # example's empty values.
        shutil.copyfile(project / SECRET_EXAMPLE, project / SECRET_FILE)
        self.output = project.parent / "assembled"
        self.output.mkdir()
        self.base = self._assemble(kubectl, BASE, "base.yaml")
        self.production = self._assemble(kubectl, PRODUCTION, "production.yaml")

    def checkov_problems(self) -> str:
        """What checkov says of the assembled manifests and the Dockerfile, which the
        frameworks may share."""
        files = [
            self.output / "base.yaml",
            self.output / "production.yaml",
            self.project / DOCKERFILE,
        ]
        digest = hashlib.sha256(b"\0".join(path.read_bytes() for path in files)).hexdigest()
        if digest not in _checkov_reports:
            _checkov_reports[digest] = checkov_problems(files)
        return _checkov_reports[digest]

    def _assemble(self, kubectl: str, folder: Path, name: str) -> list[dict[str, Any]]:
        result = run([kubectl, "kustomize", str(folder)], cwd=self.project, timeout=120)
        assert result.returncode == 0, output_of(result)
        (self.output / name).write_text(result.stdout)
        return [resource for resource in yaml.safe_load_all(result.stdout) if resource]


# By the digest of what these tests read, as baked: combinations that differ only
# elsewhere (their CI files) share one.
_assembled: dict[str, Assembled] = {}
_digests: dict[str, tuple[Path, str]] = {}
# What checkov said of each distinct set of files, by their digest.
_checkov_reports: dict[str, str] = {}


Assemble = Callable[[dict[str, str]], Assembled]


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> Assemble:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not on PATH: the manifests cannot be assembled here")

    def get(answers: dict[str, str]) -> Assembled:
        key = combination_id(answers)
        if key not in _digests:
            project = bake(answers, tmp_path_factory.mktemp("kubernetes") / "baked")
            _digests[key] = project, read_content(project)
        project, digest = _digests[key]
        if digest not in _assembled:
            _assembled[digest] = Assembled(project, kubectl)
        return _assembled[digest]

    return get


def read_content(project: Path) -> str:
    """A digest of every file these tests read: the manifests and their guide, the
    Dockerfile and the code."""
    digest = hashlib.sha256()
    for path in sorted(project.rglob("*")):
        name = path.relative_to(project)
        if path.is_file() and (name.parts[0] in ("deploy", "docs", "app") or name == DOCKERFILE):
            digest.update(f"{name}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.mark.parametrize("answers", PARAMS)
def test_the_base_and_the_overlay_assemble_into_valid_resources(
    answers: dict[str, str], assembled: Assemble
) -> None:
    deployment = assembled(answers)
    for resources, kinds in (
        (deployment.base, BASE_KINDS),
        (deployment.production, BASE_KINDS | {"Secret"}),
    ):
        assert sorted(r["kind"] for r in resources) == sorted(kinds)
        for resource in resources:
            try:
                kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                raise AssertionError(
                    f"{resource['kind']} {resource['metadata']['name']}: {exc.message} "
                    f"at {'.'.join(map(str, exc.path))}"
                ) from None


@pytest.mark.parametrize("answers", PARAMS)
def test_checkov_finds_nothing_and_every_skip_says_why(
    answers: dict[str, str], assembled: Assemble
) -> None:
    problems = assembled(answers).checkov_problems()
    assert not problems, problems


def checkov_problems(files: list[Path]) -> str:
    """What checkov failed, and every check skipped without a reason; empty when none."""
    command = ["checkov", "--framework", "kubernetes", "dockerfile", "--output", "json"]
    for path in files:
        command += ["--file", str(path)]
    # Offline: no download of the checks' guidelines (BC_SKIP_MAPPING) or of external modules.
    result = run(
        [*command, "--skip-download"], cwd=files[0].parent, env={"BC_SKIP_MAPPING": "TRUE"}
    )
    try:
        reports = json.loads(result.stdout)
    except ValueError:
        return f"checkov printed no report\n{output_of(result)}"
    problems = []
    for report in reports if isinstance(reports, list) else [reports]:
        results = report["results"]
        assert results["passed_checks"], f"checkov ran no {report['check_type']} check"
        for check in results["failed_checks"]:
            problems.append(f"{check['check_id']} {check['check_name']}: {check['resource']}")
        for check in results["skipped_checks"]:
            if not (check["check_result"].get("suppress_comment") or "").strip():
                problems.append(f"{check['check_id']} skipped without a reason")
    return "\n".join(problems)


@pytest.mark.parametrize("answers", PARAMS)
def test_every_variable_set_is_a_setting_and_production_lacks_none(
    answers: dict[str, str], assembled: Assemble
) -> None:
    deployment = assembled(answers)
    read = settings_variables(deployment.project)
    resources = deployment.production
    config = only(resources, "ConfigMap")
    secret = only(resources, "Secret")
    for workload in (only(resources, "Deployment"), only(resources, "Job")):
        process = container(workload)
        assert "env" not in process, "every variable comes from the ConfigMap or the Secret"
        sources = [next(iter(source.values()))["name"] for source in process["envFrom"]]
        assert sources == [config["metadata"]["name"], secret["metadata"]["name"]]
    given = set(config["data"]) | set(secret["data"])
    assert given <= read, f"set but read by no setting: {sorted(given - read)}"
    assert given >= REQUIRED_IN_PRODUCTION, f"missing: {sorted(REQUIRED_IN_PRODUCTION - given)}"
    assert set(secret["data"]) == SECRET_VARIABLES
    assert not set(config["data"]) & SECRET_VARIABLES
    assert config["data"]["ENVIRONMENT"] == "production"


@pytest.mark.parametrize("answers", PARAMS)
def test_no_secret_value_is_committed(answers: dict[str, str], assembled: Assemble) -> None:
    project = assembled(answers).project
    assert set(env_file(project / SECRET_EXAMPLE)) == SECRET_VARIABLES
    assert not any(env_file(project / SECRET_EXAMPLE).values())
    ignored = (project / PRODUCTION / ".gitignore").read_text().splitlines()
    assert SECRET_FILE.name in ignored


@pytest.mark.parametrize("answers", PARAMS)
def test_probes_and_port_are_those_the_service_serves(
    answers: dict[str, str], assembled: Assemble
) -> None:
    deployment = assembled(answers)
    resources = deployment.production
    web = container(only(resources, "Deployment"))
    port = named_port(web, "http")
    assert int(option(web["args"], "--port")) == port
    assert option(web["args"], "--host") == "0.0.0.0"
    assert f"EXPOSE {port}" in (deployment.project / "Dockerfile").read_text()
    probes = {name: web[name]["httpGet"] for name in ("startupProbe", "livenessProbe")}
    assert all(probe == {"path": LIVENESS_PATH, "port": "http"} for probe in probes.values())
    assert web["readinessProbe"]["httpGet"] == {"path": READINESS_PATH, "port": "http"}
    contract = (TEMPLATE / "docs" / "contract.md").read_text()
    for path in (LIVENESS_PATH, READINESS_PATH):
        assert f"| GET | `{path}` | anyone |" in contract, f"{path} is not the contract's"
    assert only(resources, "Service")["spec"]["ports"][0]["targetPort"] == "http"
    policy = only(resources, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress"]
    assert [rule["ports"] for rule in policy["ingress"]] == [[{"port": "http", "protocol": "TCP"}]]
    assert container(only(resources, "Job"))["args"] == ["migrate"]


@pytest.mark.parametrize("answers", PARAMS)
def test_pods_are_locked_down_and_replaced_without_losing_capacity(
    answers: dict[str, str], assembled: Assemble
) -> None:
    deployment = assembled(answers)
    resources = deployment.production
    web_deployment = only(resources, "Deployment")
    for workload in (web_deployment, only(resources, "Job")):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        process = container(workload)
        assert process["securityContext"]["readOnlyRootFilesystem"] is True
        assert process["securityContext"]["allowPrivilegeEscalation"] is False
        assert process["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert {"cpu", "memory"} <= set(process["resources"]["requests"])
        assert {"cpu", "memory"} <= set(process["resources"]["limits"])
    assert web_deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert only(resources, "HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2
    assert only(resources, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    # The grace period covers the pause and the server's own drain.
    pod = web_deployment["spec"]["template"]["spec"]
    web = container(web_deployment)
    drain = graceful_shutdown_seconds(deployment.project)
    assert pod["terminationGracePeriodSeconds"] > pause_seconds(web) + drain


def graceful_shutdown_seconds(project: Path) -> int:
    """How long `serve` lets requests in flight finish after SIGTERM."""
    found = [
        int(match[1])
        for path in (project / "app").glob("*.py")
        for match in re.finditer(r"^GRACEFUL_\w+_SECONDS = (\d+)$", path.read_text(), re.M)
    ]
    assert len(found) == 1, f"one GRACEFUL_..._SECONDS in app/*.py, found {found}"
    return found[0]


@pytest.mark.parametrize("answers", PARAMS)
def test_database_connections_fit_at_the_autoscalers_maximum(
    answers: dict[str, str], assembled: Assemble
) -> None:
    """Every pod the autoscaler may run, one more during a rollout, and the migration Job,
    each with its pool full, stay within PostgreSQL's default connections."""
    deployment = assembled(answers)
    resources = deployment.production
    web_deployment = only(resources, "Deployment")
    workers = int(option(container(web_deployment)["args"], "--workers"))
    per_pod = workers * connections_per_process(deployment.project, answers["framework"], workers)
    pods = (
        only(resources, "HorizontalPodAutoscaler")["spec"]["maxReplicas"]
        + web_deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    )
    available = POSTGRES_MAX_CONNECTIONS - POSTGRES_RESERVED_CONNECTIONS
    assert pods * per_pod + MIGRATION_CONNECTIONS <= available, (
        f"{pods} pods x {per_pod} connections + {MIGRATION_CONNECTIONS} > {available}"
    )
    guide = (deployment.project / "docs" / "deployment.md").read_text()
    assert f"{per_pod} connections" in guide, "docs/deployment.md gives each pod's connections"


def connections_per_process(project: Path, framework: str, workers: int) -> int:
    """The most connections one server process opens, from its code."""
    serving = (project / "app" / "core" / "serving.py").read_text()
    name = "THREADS_SINGLE_PROCESS" if workers == 1 else "THREADS_PER_WORKER"
    threads = re.search(rf"^{name} = (\d+)$", serving, re.M)
    assert threads, f"{name} in app/core/serving.py"
    if framework == "django":
        # Django keeps one connection per thread open (CONN_MAX_AGE).
        return int(threads[1])
    database = (project / "app" / "repositories" / "database.py").read_text()
    if framework == "fastapi":
        # One event loop, as many sessions as requests: the engine's pool and its overflow.
        pool = re.search(r"pool_size=(\d+), max_overflow=(\d+)", database)
        assert pool, "FastAPI's engine names its pool size"
        return int(pool[1]) + int(pool[2])
    # Flask: a connection per thread at most, from SQLAlchemy's default pool.
    assert "pool_size" not in database
    return min(int(threads[1]), SQLALCHEMY_DEFAULT_POOL)
