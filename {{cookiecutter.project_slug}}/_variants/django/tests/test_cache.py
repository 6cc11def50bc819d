"""Cache-aside reads and the invalidation every write does before it answers."""

from app.core import cache_keys
from app.wiring import components
from tests.conftest import Account, Api, make_account


def test_a_read_fills_the_cache(api: Api, alice: Account) -> None:
    key, scope = cache_keys.user_key(alice.id), cache_keys.user_scope(alice.id)
    before = components().cache.lookup(key, scope)

    api.get(f"/api/v1/users/{alice.id}", token=alice.access_token)

    assert before.value is None
    assert components().cache.lookup(key, scope).value is not None


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
