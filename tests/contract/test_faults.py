"""What the service does when Redis or PostgreSQL goes away, and when two processes share them.

- Redis killed under load: no 5xx, reads come from the database, a warning is logged;
  Redis back on the same address, cache and rate limits use it again by themselves.
- PostgreSQL cut off (through a TCP proxy the test controls): readiness and the API answer
  503 `unavailable` in the envelope; once reachable again, everything answers as before,
  without a restart.
- Two servers of one service on one PostgreSQL and one Redis: a write through one is read
  through the other, rate limits are counted across both, a spent refresh token is spent
  for both.

They need PostgreSQL and Redis (TEST_DATABASE_URL and TEST_REDIS_URL); the Redis test
starts a redis-server of its own, and the proxy listens on a free loopback port.
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import cycle
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from harness.databases import drop_postgres_database, postgres_url
from harness.matrix import DependencySet
from harness.servers import LiveServer
from tests.contract.conftest import NEEDS_SERVICES, SERVICE_PARAMS, Launch, stop_cleanly
from tests.contract.faults import RedisServer, SteadyLoad, TcpProxy, poll
from tests.contract.helpers import (
    ME,
    REFRESH,
    USERS,
    Api,
    assert_error,
    assert_status,
    assert_token_pair,
    marker,
    new_client,
)
from tests.contract.servers import GENEROUS_LIMITS
from tests.contract.test_rate_limits import limits, with_room_in_the_window

pytestmark = [pytest.mark.contract, NEEDS_SERVICES]


# Generous bounds for a loaded machine: the tests poll up to these, they do not time anything.
RECOVERY_SECONDS = 30
ANSWERS_BEFORE_FAULT = 15
ANSWERS_DURING_FAULT = 30
READINESS = frozenset({"status", "checks"})
PAIR_IP_LIMIT = 60


def warnings_in(server: LiveServer) -> list[dict[str, object]]:
    found = []
    for line in server.log_lines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and str(entry.get("level", "")).lower() == "warning":
            found.append(entry)
    return found


def wait_for_answers(load: SteadyLoad, count: int) -> None:
    poll(lambda: None if load.count() >= count else f"{load.count()} answers", RECOVERY_SECONDS)


# Redis goes away under load, and comes back.


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    yield redis
    redis.kill()


def is_user_cache_key(key: str, user_id: int) -> bool:
    # app/core/cache_keys.py's key, behind whatever prefix the cache adds.
    return key == f"users:{user_id}" or key.endswith(f":users:{user_id}")


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_redis_killed_under_load_fails_open_and_comes_back(
    dependency_set: DependencySet, launch: Launch, own_redis: RedisServer
) -> None:
    live = launch(
        dependency_set, "redis-outage", env={**GENEROUS_LIMITS, "REDIS_URL": own_redis.url}
    )
    try:
        with new_client(live.url) as client:
            api = Api(client, issuer=live.slug)
            admin = api.admin()
            account = api.account(name="Steady Reader")
            path = api.user_path(account.id)

            def read_user(http: httpx.Client) -> httpx.Response:
                response = http.get(path, headers=account.auth)
                if response.status_code == 200:
                    assert response.json()["data"]["name"] == "Steady Reader", response.text
                return response

            reads = [
                read_user,
                lambda http: http.get(USERS, params={"limit": 5}, headers=admin.auth),
                lambda http: http.get(ME, headers=account.auth),
            ]

            with SteadyLoad(live.url, reads) as load:
                wait_for_answers(load, ANSWERS_BEFORE_FAULT)
                own_redis.kill()
                wait_for_answers(load, load.count() + ANSWERS_DURING_FAULT)
            assert not load.failures(), "every read is served while Redis is down:\n" + "\n".join(
                load.failures()[:10]
            )

            ready = client.get("/health/ready")
            assert_error(ready, 503, "unavailable", extra_keys=READINESS)
            assert ready.json()["checks"] == {"database": "ok", "cache": "error"}
            assert any("cache" in str(w.get("event", "")).lower() for w in warnings_in(live)), (
                "a warning names the cache\n" + live.output()
            )

            own_redis.start()

            def back_in_redis() -> str | None:
                # Fresh Redis is empty: what is in it now was written since the restart.
                counted = client.get("/api/v1/nowhere")
                read = client.get(path, headers=account.auth)
                keys = own_redis.keys()
                if "RateLimit-Remaining" not in counted.headers:
                    return "responses carry no RateLimit headers yet"
                if not any(is_user_cache_key(k, account.id) for k in keys):
                    return f"no cached user {account.id} in Redis: {keys}"
                if not any("users:" not in k for k in keys):
                    return f"no rate-limit counter in Redis: {keys}"
                if read.status_code != 200:
                    return f"read answered {read.status_code}"
                ready = client.get("/health/ready")
                if ready.status_code != 200:
                    return f"/health/ready answered {ready.status_code}: {ready.text}"
                return None

            poll(back_in_redis, RECOVERY_SECONDS)
            assert_status(client.get(path, headers=account.auth), 200)
    finally:
        stop_cleanly(live)


# PostgreSQL cut off, and reachable again.


@pytest.fixture
def database_proxy() -> Iterator[TcpProxy]:
    upstream = urlsplit(os.environ["TEST_DATABASE_URL"])
    proxy = TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 5432))
    proxy.start()
    yield proxy
    proxy.cut()


def through(proxy: TcpProxy, database_url: str) -> str:
    """The same database, reached through the proxy."""
    parts = urlsplit(database_url)
    credentials, _, _ = parts.netloc.rpartition("@")
    netloc = f"{credentials}@127.0.0.1:{proxy.port}" if credentials else f"127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_database_cut_off_is_503_and_recovers_without_a_restart(
    dependency_set: DependencySet, launch: Launch, database_proxy: TcpProxy
) -> None:
    direct = postgres_url(f"contract_faults_{dependency_set.framework}_{os.getpid()}")
    assert direct
    try:
        live = launch(
            dependency_set,
            "database-outage",
            env=GENEROUS_LIMITS,
            database=through(database_proxy, direct),
        )
    except BaseException:
        drop_postgres_database(direct)
        raise
    live.databases.append(direct)
    try:
        with new_client(live.url) as client:
            api = Api(client, issuer=live.slug)
            admin = api.admin()
            account = api.account()

            def calls() -> list[httpx.Response]:
                """Calls that need the database: a sign-up, a login, an uncached list page."""
                return [
                    api.sign_up(),
                    api.login(account.email),
                    client.get(USERS, params={"search": marker()}, headers=admin.auth),
                ]

            for response in calls():
                assert response.status_code < 300, response.text

            database_proxy.cut()
            # Several rounds: each request opens its own connection, so they spread over workers.
            for _ in range(3):
                ready = client.get("/health/ready")
                assert_error(ready, 503, "unavailable", extra_keys=READINESS)
                assert ready.json()["status"] == "error"
                assert ready.json()["checks"] == {"database": "error", "cache": "ok"}
                for response in calls():
                    assert_error(response, 503, "unavailable")

            database_proxy.restore()

            def recovered() -> str | None:
                ready = client.get("/health/ready")
                if ready.status_code != 200:
                    return f"/health/ready answered {ready.status_code}: {ready.text}"
                for response in calls():
                    if response.status_code >= 300:
                        return f"{response.request.url.path} answered {response.text}"
                return None

            poll(recovered, RECOVERY_SECONDS)
            for _ in range(2):
                assert_status(client.get("/health/ready"), 200)
                for response in calls():
                    assert response.status_code < 300, response.text
    finally:
        stop_cleanly(live)


# Two servers of one service, sharing PostgreSQL and Redis: one pair, three checks.


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_two_servers_share_writes_rate_limits_and_spent_refresh_tokens(
    dependency_set: DependencySet, launch: Launch
) -> None:
    with two_servers(launch, dependency_set) as (one, other):
        a_write_through_one_is_read_through_the_other(one, other)
        a_refresh_token_spent_on_one_is_spent_on_the_other(one, other)
        rate_limits_are_counted_across_both(one, other)


@contextmanager
def two_servers(launch: Launch, dependency_set: DependencySet) -> Iterator[tuple[Api, Api]]:
    env = {**GENEROUS_LIMITS, "RATE_LIMIT_PER_IP": str(PAIR_IP_LIMIT)}
    first = launch(dependency_set, "pair-first", env=env)
    try:
        # The first server's database (migrated, with its admin) and Redis database.
        assert first.redis_claim
        second = launch(
            dependency_set,
            "pair-second",
            env={**env, "REDIS_URL": first.redis_claim},
            database=first.databases[0],
            migrate=False,
        )
        try:
            with new_client(first.url) as one, new_client(second.url) as other:
                yield Api(one, issuer=first.slug), Api(other, issuer=second.slug)
        finally:
            stop_cleanly(second)
    finally:
        stop_cleanly(first)


def a_write_through_one_is_read_through_the_other(one: Api, other: Api) -> None:
    admin = one.admin()
    tag = marker()
    account = one.account(name=f"First {tag}")
    path = one.user_path(account.id)

    def names_seen(api: Api) -> list[str]:
        single = api.client.get(path, headers=account.auth).json()["data"]["name"]
        me = api.client.get(ME, headers=account.auth).json()["data"]["name"]
        page = api.client.get(USERS, params={"search": tag}, headers=admin.auth).json()
        return [single, me, *(user["name"] for user in page["data"])]

    # Both servers have read, and cached, the user and the list page.
    assert names_seen(one) == names_seen(other) == [f"First {tag}"] * 3
    for writer, reader, name in ((one, other, f"Second {tag}"), (other, one, f"Third {tag}")):
        patched = writer.client.patch(path, json={"name": name}, headers=account.auth)
        assert_status(patched, 200)
        assert names_seen(reader) == [name] * 3


def a_refresh_token_spent_on_one_is_spent_on_the_other(one: Api, other: Api) -> None:
    account = one.account()
    rotated = assert_token_pair(
        one.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    )
    reused = other.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    assert_error(reused, 401, "unauthorized")
    # The reuse revoked the whole family: the rotated token is dead on both servers.
    for api in (other, one):
        revoked = api.client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
        assert_error(revoked, 401, "unauthorized")
    assert_token_pair(other.login(account.email))


def rate_limits_are_counted_across_both(one: Api, other: Api) -> None:
    """Last of the checks: it spends the IP's window."""
    first = with_room_in_the_window(lambda: one.client.get("/api/v1/nowhere"))
    limit, remaining, _ = limits(first)
    assert limit == PAIR_IP_LIMIT
    servers = cycle((other, one))
    for expected in range(remaining - 1, -1, -1):
        response = next(servers).client.get("/api/v1/nowhere")
        assert_error(response, 404, "not_found")
        assert limits(response)[:2] == (PAIR_IP_LIMIT, expected)
    for api in (one, other):
        blocked = api.client.get("/api/v1/openapi.json")
        assert_error(blocked, 429, "rate_limited")
        assert limits(blocked)[:2] == (PAIR_IP_LIMIT, 0)
