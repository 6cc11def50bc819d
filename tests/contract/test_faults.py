"""What the service does when Redis or PostgreSQL goes away, and when two processes share them.

- Redis killed under load: no 5xx, reads come from the database, a warning is logged;
  Redis back on the same address, cache and rate limits use it again by themselves.
- PostgreSQL cut off (through a TCP proxy the test controls): readiness and the API answer
  503 `unavailable` in the envelope; once reachable again, everything answers as before,
  without a restart.
- Two servers of one service on one PostgreSQL and one Redis: a write through one is read
  through the other, rate limits are counted across both, a spent refresh token is spent
  for both.

They need PostgreSQL and Redis (TEST_DATABASE_URL and TEST_REDIS_URL) and start a
redis-server of their own, on a free loopback port.
"""

import json
import os
import time
from collections.abc import Iterator
from itertools import cycle
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.baking import postgres_url
from tests.contract.conftest import Launch, server_params, stop_cleanly
from tests.contract.faults import RedisServer, SteadyLoad, TcpProxy, poll
from tests.contract.helpers import (
    LOGIN,
    ME,
    REFRESH,
    USERS,
    Api,
    assert_error,
    assert_status,
    assert_token_pair,
    marker,
    new_client,
    unique_email,
)
from tests.contract.servers import (
    GENEROUS_LIMITS,
    LiveServer,
    drop_postgres_database,
    frameworks,
    services_available,
    services_set,
)
from tests.contract.test_rate_limits import limits, with_room_in_the_window

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(
        not services_available(), reason="needs TEST_DATABASE_URL and TEST_REDIS_URL"
    ),
]

SERVICE_PARAMS = server_params([services_set(framework) for framework in frameworks()])

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
def own_redis(tmp_path) -> Iterator[RedisServer]:
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    yield redis
    redis.kill()


def is_user_cache_key(key: str, user_id: int) -> bool:
    # app/core/cache_keys.py's key, behind whatever prefix the cache adds.
    return key == f"users:{user_id}" or key.endswith(f":users:{user_id}")


@pytest.mark.parametrize("dependency_set", SERVICE_PARAMS)
def test_redis_killed_under_load_fails_open_and_comes_back(
    dependency_set, launch: Launch, own_redis: RedisServer
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
            reads = [
                lambda c: c.get(path, headers=account.auth),
                lambda c: c.get(USERS, params={"limit": 5}, headers=admin.auth),
                lambda c: c.get(ME, headers=account.auth),
            ]

            with SteadyLoad(live.url, reads) as load:
                wait_for_answers(load, ANSWERS_BEFORE_FAULT)
                own_redis.kill()
                wait_for_answers(load, load.count() + ANSWERS_DURING_FAULT)
            assert not load.failures(), "every read is served while Redis is down:\n" + "\n".join(
                load.failures()[:10]
            )
            assert client.get(path, headers=account.auth).json()["data"]["name"] == "Steady Reader"

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
