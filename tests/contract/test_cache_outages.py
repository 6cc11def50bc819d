"""A write is never undone by Redis. Whichever part of the path to Redis fails, for however
long, and however Redis comes back, every read after a write's answer shows what that
answer said, from every worker and every server: a renamed user reads renamed, a deleted
user's token is refused, a demoted admin is forbidden. A write whose invalidation cannot
be made is refused whole (503 `unavailable`, nothing changed); once Redis answers again,
the same write is accepted and seen everywhere.

Each framework's server (PostgreSQL, two workers) reaches a Redis of the test's own,
which keeps its data on disk, through a TCP proxy the test controls:
- a partition: the proxy stops forwarding, so every call waits for its timeout;
- Redis killed and started again, holding what it held before;
- two servers, and only the one behind the proxy loses Redis.

Needs TEST_DATABASE_URL and TEST_REDIS_URL.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.matrix import DependencySet
from harness.servers import LiveServer
from tests.contract.conftest import NEEDS_SERVICES, SERVICE_PARAMS, Launch, stop_cleanly
from tests.contract.faults import RedisServer, TcpProxy, poll
from tests.contract.helpers import ME, USERS, Account, Api, assert_error, marker, new_client
from tests.contract.servers import GENEROUS_LIMITS

pytestmark = [pytest.mark.contract, NEEDS_SERVICES]

RECOVERY_SECONDS = 30
# Each read opens its own connection, so that the reads meet both workers.
READS_AFTER_RECOVERY = 6
READS_DURING_OUTAGE = 1


@dataclass
class Subjects:
    """The users the writes change, and what the acknowledged writes say of them."""

    admin: Account
    renamed: Account
    deleted: Account
    demoted: Account
    tag: str
    name: str
    alive: bool = True
    demoted_is_admin: bool = True
    answers: list[str] = field(default_factory=list)


def make_subjects(api: Api) -> Subjects:
    tag = marker()
    admin = api.admin()
    return Subjects(
        admin=admin,
        renamed=api.account(name=f"Named {tag}"),
        deleted=api.account(name=f"Deleted {tag}"),
        demoted=api.account(name=f"Demoted {tag}", role="admin"),
        tag=tag,
        name=f"Named {tag}",
    )


def problems_seen(base_url: str, subjects: Subjects, reads: int) -> list[str]:
    """What any of `reads` rounds of reads shows that differs from the acknowledged writes."""
    problems = []
    for _ in range(reads):
        with new_client(base_url) as http:
            me = http.get(ME, headers=subjects.renamed.auth)
            if me.status_code != 200 or me.json()["data"]["name"] != subjects.name:
                problems.append(f"the renamed user reads {me.status_code} {me.text}")
            gone = http.get(ME, headers=subjects.deleted.auth)
            if gone.status_code != (200 if subjects.alive else 401):
                problems.append(f"the deleted user's token answers {gone.status_code}")
            listing = http.get(USERS, params={"limit": 1}, headers=subjects.demoted.auth)
            if listing.status_code != (200 if subjects.demoted_is_admin else 403):
                problems.append(f"the demoted admin lists users: {listing.status_code}")
            page = http.get(USERS, params={"search": subjects.tag}, headers=subjects.admin.auth)
            names = sorted(user["name"] for user in page.json()["data"])
            expected = sorted(
                [subjects.name, f"Demoted {subjects.tag}"]
                + ([f"Deleted {subjects.tag}"] if subjects.alive else [])
            )
            if names != expected:
                problems.append(f"the list page holds {names}, not {expected}")
    return problems


def assert_reads_agree(base_url: str, subjects: Subjects, reads: int) -> None:
    problems = problems_seen(base_url, subjects, reads)
    assert not problems, (
        "reads disagree with the writes' answers "
        f"({'; '.join(subjects.answers)}):\n" + "\n".join(problems[:10])
    )


def write(api: Api, subjects: Subjects, name: str) -> list[int]:
    """Rename, demote and delete; record what each acknowledged write changed. Every
    answer is the write done (2xx) or refused whole (503 `unavailable`)."""
    admin = subjects.admin.auth
    renamed = api.client.patch(
        api.user_path(subjects.renamed.id), json={"name": name}, headers=subjects.renamed.auth
    )
    demoted = api.client.patch(
        api.user_path(subjects.demoted.id), json={"role": "user"}, headers=admin
    )
    deleted = api.client.delete(api.user_path(subjects.deleted.id), headers=admin)
    statuses = []
    for label, response, done in (
        ("rename", renamed, 200),
        ("demotion", demoted, 200),
        ("deletion", deleted, 204),
    ):
        if response.status_code != done:
            assert_error(response, 503, "unavailable")
        subjects.answers.append(f"{label}: {response.status_code}")
        statuses.append(response.status_code)
    if renamed.status_code == 200:
        subjects.name = name
    if demoted.status_code == 200:
        subjects.demoted_is_admin = False
    if deleted.status_code == 204:
        subjects.alive = False
    return statuses


def write_once_redis_answers(base_url: str, api: Api, subjects: Subjects) -> None:
    """Writes refused during the outage are accepted once the server reaches Redis again."""

    def ready() -> str | None:
        with new_client(base_url) as http:
            response = http.get("/health/ready")
        return None if response.status_code == 200 else f"/health/ready: {response.text}"

    poll(ready, RECOVERY_SECONDS)
    pending = [subjects.alive, subjects.demoted_is_admin]
    statuses = write(api, subjects, f"Renamed again {subjects.tag}")
    assert statuses[0] == 200, subjects.answers
    if pending[1]:
        assert statuses[1] == 200, subjects.answers
    if pending[0]:
        assert statuses[2] == 204, subjects.answers


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    redis = RedisServer(tmp_path / "redis", persistent=True)
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def redis_proxy(own_redis: RedisServer) -> Iterator[TcpProxy]:
    proxy = TcpProxy(("127.0.0.1", own_redis.port))
    proxy.start()
    yield proxy
    proxy.cut()


def proxied_url(proxy: TcpProxy) -> str:
    return f"redis://127.0.0.1:{proxy.port}/0"


def launch_behind(launch: Launch, dependency_set: DependencySet, proxy: TcpProxy) -> LiveServer:
    env = {**GENEROUS_LIMITS, "REDIS_URL": proxied_url(proxy)}
    return launch(dependency_set, "behind-proxy", env=env, workers=2)


def outage_on_one_server(
    live: LiveServer, begin: Callable[[], None], end: Callable[[], None]
) -> None:
    """Cache what the writes will change, write during the outage, then after it."""
    with new_client(live.url) as client:
        api = Api(client, issuer=live.slug)
        subjects = make_subjects(api)
        # Every worker has read, and cached, what the writes will change.
        assert_reads_agree(live.url, subjects, READS_AFTER_RECOVERY)

        begin()
        write(api, subjects, f"Renamed {subjects.tag}")
        assert_reads_agree(live.url, subjects, READS_DURING_OUTAGE)
        end()

        assert_reads_agree(live.url, subjects, READS_AFTER_RECOVERY)
        write_once_redis_answers(live.url, api, subjects)
        assert_reads_agree(live.url, subjects, READS_AFTER_RECOVERY)


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_a_partition_from_redis_never_leaves_a_stale_read(
    dependency_set: DependencySet, launch: Launch, redis_proxy: TcpProxy
) -> None:
    live = launch_behind(launch, dependency_set, redis_proxy)
    try:
        outage_on_one_server(live, redis_proxy.stall, redis_proxy.unstall)
    finally:
        stop_cleanly(live)


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_redis_back_with_its_old_data_holds_nothing_stale(
    dependency_set: DependencySet, launch: Launch, own_redis: RedisServer, redis_proxy: TcpProxy
) -> None:
    live = launch_behind(launch, dependency_set, redis_proxy)
    try:
        # Back on the same port, from its append-only file: every entry it held is back.
        outage_on_one_server(live, own_redis.kill, own_redis.start)
    finally:
        stop_cleanly(live)


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_a_server_cut_off_from_redis_leaves_none_stale_on_the_others(
    dependency_set: DependencySet, launch: Launch, own_redis: RedisServer, redis_proxy: TcpProxy
) -> None:
    cut_off = launch_behind(launch, dependency_set, redis_proxy)
    try:
        connected = launch(
            dependency_set,
            "direct",
            env={**GENEROUS_LIMITS, "REDIS_URL": own_redis.url},
            database=cut_off.databases[0],
            migrate=False,
            workers=2,
        )
        try:
            with new_client(cut_off.url) as client:
                api = Api(client, issuer=cut_off.slug)
                subjects = make_subjects(api)
                for server in (cut_off, connected):
                    assert_reads_agree(server.url, subjects, READS_AFTER_RECOVERY)

                redis_proxy.cut()
                write(api, subjects, f"Renamed {subjects.tag}")
                assert_reads_agree(connected.url, subjects, READS_AFTER_RECOVERY)
                assert_reads_agree(cut_off.url, subjects, READS_DURING_OUTAGE)
                redis_proxy.restore()

                write_once_redis_answers(cut_off.url, api, subjects)
                for server in (connected, cut_off):
                    assert_reads_agree(server.url, subjects, READS_AFTER_RECOVERY)
        finally:
            stop_cleanly(connected)
    finally:
        stop_cleanly(cut_off)
