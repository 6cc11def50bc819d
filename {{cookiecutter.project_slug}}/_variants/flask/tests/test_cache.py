"""Cache-aside: reads come from the cache, every write invalidates what it touched, and
with Redis down reads come from the database while writes are refused whole."""

import pytest
from flask.testing import FlaskClient

from tests.conftest import (
    TEST_REDIS_URL,
    Account,
    AppFactory,
    account,
    body,
    error_of,
    log_in,
    sign_up,
)

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


@pytest.mark.skipif(not TEST_REDIS_URL, reason="only a Redis (TEST_REDIS_URL) is shared by apps")
def test_apps_sharing_a_cache_backend_never_read_stale_data(make_app: AppFactory) -> None:
    """Two processes (apps) behind one Redis: what one writes, the other never reads stale."""
    first = make_app().test_client()
    second = make_app().test_client()
    ann = account(first, "ann@example.com")
    second.get("/api/v1/users/me", headers=ann.headers)

    first.patch(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)

    assert body(second.get("/api/v1/users/me", headers=ann.headers))["data"]["name"] == "Anna"


def test_with_redis_down_reads_succeed_and_writes_are_refused_whole(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ann = account(make_app().test_client(), "ann@example.com")
    client = make_app(redis_url=UNREACHABLE_REDIS, log_level="WARNING").test_client()

    me = client.get("/api/v1/users/me", headers=ann.headers)
    patched = client.patch(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)
    signed_up = sign_up(client, "bob@example.com")
    after = client.get("/api/v1/users/me", headers=ann.headers)

    assert me.status_code == 200
    assert error_of(patched)["code"] == error_of(signed_up)["code"] == "unavailable"
    assert (patched.status_code, signed_up.status_code) == (503, 503)
    assert body(after)["data"]["name"] == "Ann"
    assert log_in(client, "bob@example.com").status_code == 401
    assert '"event": "cache_unavailable"' in capsys.readouterr().out
