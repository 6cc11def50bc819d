"""Cache-aside: reads come from the cache, every write invalidates what it touched,
and a Redis that is down only costs speed."""

import os

import pytest
from flask.testing import FlaskClient

from app.cache.memory import MemoryCache
from app.cache.redis_cache import RedisCache
from app.core import cache_keys
from tests.conftest import Account, AppFactory, account, body, sign_up

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_a_read_after_an_update_sees_the_update(client: FlaskClient, ann: Account) -> None:
    client.get("/api/v1/users/me", headers=ann.headers)

    client.patch(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)

    assert body(client.get("/api/v1/users/me", headers=ann.headers))["data"]["name"] == "Anna"


def test_a_list_after_a_sign_up_sees_the_new_user(client: FlaskClient, admin: Account) -> None:
    assert body(client.get("/api/v1/users", headers=admin.headers))["pagination"]["total"] == 1

    sign_up(client, "ann@example.com")

    assert body(client.get("/api/v1/users", headers=admin.headers))["pagination"]["total"] == 2


def test_a_list_after_a_delete_misses_the_deleted_user(
    client: FlaskClient, admin: Account, ann: Account
) -> None:
    client.get("/api/v1/users", headers=admin.headers)

    client.delete(f"/api/v1/users/{ann.id}", headers=admin.headers)

    emails = [
        user["email"] for user in body(client.get("/api/v1/users", headers=admin.headers))["data"]
    ]
    assert emails == ["admin@example.com"]


def test_apps_sharing_a_cache_backend_never_read_stale_data(make_app: AppFactory) -> None:
    """Two processes (apps) behind one Redis; with the in-process cache there is one."""
    redis_url = os.environ.get("TEST_REDIS_URL")
    first = make_app().test_client()
    second = make_app().test_client() if redis_url else first
    ann = account(first, "ann@example.com")
    second.get("/api/v1/users/me", headers=ann.headers)

    first.patch(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)

    assert body(second.get("/api/v1/users/me", headers=ann.headers))["data"]["name"] == "Anna"


def test_requests_succeed_from_the_database_when_redis_is_down(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_app(redis_url=UNREACHABLE_REDIS, log_level="WARNING").test_client()
    ann = account(client, "ann@example.com")

    response = client.patch(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)

    assert response.status_code == 200
    assert body(client.get("/api/v1/users/me", headers=ann.headers))["data"]["name"] == "Anna"
    assert '"level": "warning"' in capsys.readouterr().out


def backends() -> list[str]:
    return ["memory", "redis"] if os.environ.get("TEST_REDIS_URL") else ["memory"]


@pytest.fixture(params=backends())
def cache(request: pytest.FixtureRequest) -> MemoryCache | RedisCache:
    if request.param == "redis":
        return RedisCache(os.environ["TEST_REDIS_URL"])
    return MemoryCache()


def test_cache_port_round_trip(cache: MemoryCache | RedisCache) -> None:
    cache.set("k", "v", ttl_seconds=60)
    assert cache.get("k") == "v"
    cache.delete("k")
    assert cache.get("k") is None
    cache.incr(cache_keys.USERS_LIST_VERSION)
    cache.incr(cache_keys.USERS_LIST_VERSION)
    assert cache.get(cache_keys.USERS_LIST_VERSION) == "2"
    assert cache.ping()
    cache.close()


def test_memory_entries_expire() -> None:
    cache = MemoryCache()
    cache.set("k", "v", ttl_seconds=0)

    assert cache.get("k") is None


def test_an_unreachable_redis_reads_as_a_miss_and_drops_writes() -> None:
    cache = RedisCache(UNREACHABLE_REDIS)

    cache.set("k", "v", 60)
    cache.incr("n")
    cache.delete("k")

    assert cache.get("k") is None
    assert not cache.ping()
