"""A rolling update done the way the Kubernetes manifests have it done drops no request and
loses no write.

Three `serve` processes of one baked service share a PostgreSQL database and a Redis
database behind a round-robin TCP proxy (the Service, `RoundRobinProxy`), each started as
the manifests' Deployment starts a pod: with its arguments (`--workers`), the settings of
its ConfigMap, the variables its Secret holds, and its readiness probe deciding when it is
sent traffic. Under a steady load of reads and sign-ups through the proxy, the replicas are
replaced one at a time in the Deployment's order (maxSurge 1, maxUnavailable 0): a new one
starts and joins the rotation once its readiness probe passes; then an old one leaves the
rotation, its open connections finish (within the preStop pause), and it gets SIGTERM and
exits 0. No request fails, and every sign-up answered 201 is in the database afterwards.
Each request opens a connection of its own, as when an ingress picks a pod per request.

Each framework's run takes half a minute or more on a 2-core machine, most of it starting
six servers: a run of the whole test command does one framework (`UPDATED_FRAMEWORK`), and
`--framework NAME` runs it for the frameworks named instead. Needs PostgreSQL and Redis
(TEST_DATABASE_URL and TEST_REDIS_URL).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from threading import Lock

import httpx
import pytest

from harness.baking import bake
from harness.databases import drop_postgres_database, release_redis_database
from harness.matrix import DependencySet
from harness.servers import LiveServer
from tests.contract.conftest import NEEDS_SERVICES, SERVICE_PARAMS, Launch, stop_cleanly
from tests.contract.faults import RoundRobinProxy, SteadyLoad, poll
from tests.contract.helpers import (
    ME,
    PASSWORD,
    USERS,
    Api,
    assert_status,
    marker,
    new_client,
    unique_email,
)
from tests.contract.servers import GENEROUS_LIMITS
from tests.kubernetes import (
    BASE,
    SECRET_EXAMPLE,
    SECRET_VARIABLES,
    base_settings,
    container,
    env_file,
    option,
    pause_seconds,
    read_yaml,
)

pytestmark = [pytest.mark.contract, NEEDS_SERVICES]

REPLICAS = 3
# Answers through the proxy before the update and after each replacement, so that every
# replica in the rotation serves some of the load.
ANSWERS_BETWEEN_STEPS = 15
READY_SECONDS = 60
PAGE_LIMIT = 100


class Pod:
    """How the manifests' Deployment runs a replica, read from the baked manifests."""

    def __init__(self, manifests: Path) -> None:
        deployment = read_yaml(manifests / BASE / "deployment.yaml")
        web = container(deployment)
        assert web["args"][0] == "serve", web["args"]
        self.workers = int(option(web["args"], "--workers"))
        self.readiness = web["readinessProbe"]["httpGet"]["path"]
        self.liveness = web["livenessProbe"]["httpGet"]["path"]
        self.pause = pause_seconds(web)
        strategy = deployment["spec"]["strategy"]["rollingUpdate"]
        assert (strategy["maxSurge"], strategy["maxUnavailable"]) == (1, 0), strategy
        # launch() gives each server the Secret's three variables, as the Secret would.
        assert set(env_file(manifests / SECRET_EXAMPLE)) == SECRET_VARIABLES
        self.settings = base_settings(manifests)


def port_of(server: LiveServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


# Django's workers take the longest to start, so its replicas overlap the longest.
UPDATED_FRAMEWORK = "django"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    named = metafunc.config.getoption("--framework") or [UPDATED_FRAMEWORK]
    metafunc.parametrize(
        "dependency_set", [p for p in SERVICE_PARAMS if p.values[0].framework in named]
    )


def test_a_rolling_update_drops_no_request_and_loses_no_write(
    dependency_set: DependencySet, launch: Launch, tmp_path: Path
) -> None:
    pod = Pod(bake({**dependency_set.answers(), "use_kubernetes": "y"}, tmp_path / "manifests"))
    env = {**pod.settings, **GENEROUS_LIMITS}
    with shared_backends(launch, dependency_set, env, pod) as start_replica:
        replicas = [start_replica(number) for number in range(1, REPLICAS + 1)]
        try:
            with RoundRobinProxy() as proxy:
                for replica in replicas:
                    proxy.add(port_of(replica))
                url = f"http://127.0.0.1:{proxy.port}"
                with new_client(url) as client:
                    api = Api(client, issuer=replicas[0].slug)
                    traffic, written = rolling_load(api, url)
                    with traffic:
                        wait_for_answers(traffic, ANSWERS_BETWEEN_STEPS)
                        for number in range(REPLICAS + 1, 2 * REPLICAS + 1):
                            replicas.append(start_replica(number))
                            proxy.add(port_of(replicas[-1]))
                            retire(replicas.pop(0), proxy, pod)
                            wait_for_answers(traffic, traffic.count() + ANSWERS_BETWEEN_STEPS)
                    found = emails_found(api, written.tag)
                served = [proxy.routed.get(port_of(replica), 0) for replica in replicas]
                unrouted = proxy.unrouted
        finally:
            exits = {replica.name: replica.stop() for replica in replicas}
    assert set(exits.values()) == {0}, f"SIGTERM: each replica exits 0 within 20 s: {exits}"

    failures = traffic.failures()
    print(
        f"\nrolling update of {dependency_set.id}: {traffic.count()} requests, "
        f"{len(failures)} failed, {len(written.emails)} writes answered 201, "
        f"{len(found & written.emails)} of them found afterwards"
    )
    assert not failures, "no request fails during the update:\n" + "\n".join(failures[:10])
    assert unrouted == 0
    assert all(served), f"every new replica served: {served}"
    assert written.emails, "the load wrote"
    assert found == written.emails, (
        f"lost: {sorted(written.emails - found)}; unexpected: {sorted(found - written.emails)}"
    )


def retire(old: LiveServer, proxy: RoundRobinProxy, pod: Pod) -> None:
    """Out of the rotation; its open connections finish within the preStop pause; SIGTERM."""
    proxy.remove(port_of(old))

    def drained() -> str | None:
        still_open = proxy.open_connections(port_of(old))
        return f"{still_open} connections still open to {old.name}" if still_open else None

    poll(drained, pod.pause, interval=0.05)
    stop_cleanly(old)


@contextmanager
def shared_backends(
    launch: Launch, dependency_set: DependencySet, env: dict[str, str], pod: Pod
) -> Iterator[Callable[[int], LiveServer]]:
    """A function starting replica N on one database and one Redis database, which the
    first replica prepares (`migrate`, `create-admin`) and which outlive every replica."""
    claims: dict[str, str] = {}
    first: list[LiveServer] = []

    def start_replica(number: int) -> LiveServer:
        name = f"rolling-{number}"
        if not claims:
            server = launch(dependency_set, name, env=env, workers=pod.workers)
            assert server.redis_claim and len(server.databases) == 1
            claims["database"] = server.databases.pop()
            claims["redis"], server.redis_claim = server.redis_claim, None
            first.append(server)
        else:
            server = launch(
                dependency_set,
                name,
                env={**env, "REDIS_URL": claims["redis"]},
                database=claims["database"],
                migrate=False,
                workers=pod.workers,
            )
        wait_until_ready(server, pod)
        return server

    try:
        yield start_replica
    finally:
        if claims:
            drop_postgres_database(claims["database"])
            release_redis_database(first[0].bin, first[0].project, claims["redis"])


def wait_until_ready(server: LiveServer, pod: Pod) -> None:
    """As the kubelet's probes: alive, then ready, before the replica is sent traffic."""

    def ready() -> str | None:
        for path in (pod.liveness, pod.readiness):
            try:
                status = httpx.get(f"{server.url}{path}", timeout=2).status_code
            except httpx.TransportError as exc:
                return f"{path}: {exc}"
            if status != 200:
                return f"{path} answered {status}"
        return None

    poll(ready, READY_SECONDS)


class Written:
    """The sign-ups the service answered 201, by e-mail."""

    def __init__(self) -> None:
        self.tag = marker()
        self.emails: set[str] = set()
        self._lock = Lock()

    def sign_up(self, http: httpx.Client) -> httpx.Response:
        email = unique_email(self.tag)
        response = http.post(
            USERS, json={"email": email, "name": f"Rolling {self.tag}", "password": PASSWORD}
        )
        if response.status_code == 201:
            with self._lock:
                self.emails.add(email)
        return response


def rolling_load(api: Api, url: str) -> tuple[SteadyLoad, Written]:
    """Reads (a cached user, the caller, an admin's list page) and sign-ups, in turn."""
    admin = api.admin()
    account = api.account(name="Rolling Reader")
    written = Written()
    requests = [
        lambda http: http.get(api.user_path(account.id), headers=account.auth),
        written.sign_up,
        lambda http: http.get(ME, headers=account.auth),
        lambda http: http.get(USERS, params={"limit": 5}, headers=admin.auth),
    ]
    return SteadyLoad(url, requests, expected=frozenset({200, 201})), written


def wait_for_answers(traffic: SteadyLoad, count: int) -> None:
    poll(lambda: None if traffic.count() >= count else f"{traffic.count()} answers", READY_SECONDS)


def emails_found(api: Api, tag: str) -> set[str]:
    """Every user whose e-mail carries the tag, page by page, as an admin sees them."""
    auth = api.admin().auth
    found: set[str] = set()
    for page in range(1, 1000):
        response = api.client.get(
            USERS, params={"search": tag, "limit": PAGE_LIMIT, "page": page}, headers=auth
        )
        assert_status(response, 200)
        found |= {user["email"] for user in response.json()["data"]}
        if page * PAGE_LIMIT >= response.json()["pagination"]["total"]:
            return found
    raise AssertionError("more than 1000 pages of sign-ups")
