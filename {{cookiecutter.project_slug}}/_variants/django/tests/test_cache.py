"""Cache-aside reads and the invalidation every write does before it answers."""

from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.test import override_settings

from app.adapters.cache import DjangoCache
from app.core import cache_keys
from tests.conftest import Account, Api, make_account
from tests.test_health import BROKEN_REDIS_CACHE


def test_a_read_fills_the_cache(api: Api, alice: Account) -> None:
    caches["default"].clear()

    api.get(f"/api/v1/users/{alice.id}", token=alice.access_token)

    assert caches["default"].get(cache_keys.user_key(alice.id)) is not None


def test_a_read_after_a_write_never_sees_stale_data(api: Api, alice: Account) -> None:
    path = f"/api/v1/users/{alice.id}"
    api.get(path, token=alice.access_token)

    api.patch(path, {"name": "Renamed"}, token=alice.access_token)

    assert api.get(path, token=alice.access_token).json()["data"]["name"] == "Renamed"


def test_list_pages_are_invalidated_by_a_sign_up(api: Api, admin: Account) -> None:
    before = api.get("/api/v1/users", token=admin.access_token).json()["pagination"]["total"]

    make_account("newcomer@example.com")

    after = api.get("/api/v1/users", token=admin.access_token).json()["pagination"]["total"]
    assert after == before + 1


def test_list_pages_are_invalidated_by_a_change_and_a_delete(
    api: Api, admin: Account, alice: Account
) -> None:
    api.get("/api/v1/users", token=admin.access_token)

    api.patch(f"/api/v1/users/{alice.id}", {"name": "Zelda"}, token=admin.access_token)
    names = {u["name"] for u in api.get("/api/v1/users", token=admin.access_token).json()["data"]}
    api.delete(f"/api/v1/users/{alice.id}", token=admin.access_token)
    total = api.get("/api/v1/users", token=admin.access_token).json()["pagination"]["total"]

    assert "Zelda" in names
    assert total == 1


def test_the_cache_adapter_round_trips_and_counts() -> None:
    cache = DjangoCache()

    cache.set("greeting", "hello", 60)
    cache.incr("counter")
    cache.incr("counter")

    assert cache.get("greeting") == "hello"
    assert cache.get("counter") == "2"
    cache.delete("greeting")
    assert cache.get("greeting") is None


def test_an_unreachable_cache_fails_open_with_a_warning(
    logged: Callable[[], list[dict[str, Any]]],
) -> None:
    with override_settings(CACHES=BROKEN_REDIS_CACHE):
        cache = DjangoCache()
        cache.set("key", "value", 60)
        cache.incr("counter")
        cache.delete("key")
        value = cache.get("key")

    assert value is None
    warnings = [line for line in logged() if line["event"] == "cache_unavailable"]
    assert [line["operation"] for line in warnings] == ["set", "incr", "delete", "get"]
    assert {line["level"] for line in warnings} == {"warning"}
