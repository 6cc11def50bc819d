"""One user: /me, GET, PUT, PATCH, DELETE, and who may touch whom."""

from typing import Any

import pytest

from tests.contract.conftest import EVERY_BACKEND
from tests.contract.helpers import (
    EMAIL_TAKEN,
    ME,
    PASSWORD,
    REFRESH,
    Api,
    assert_error,
    assert_status,
    assert_user,
    secrets_in,
    unique_email,
)

pytestmark = [pytest.mark.contract, EVERY_BACKEND]


def test_me_is_the_signed_in_user(api: Api) -> None:
    account = api.account(name="Me Myself")
    response = api.client.get(ME, headers=account.auth)
    assert_status(response, 200)
    assert set(response.json()) == {"data"}
    assert_user(response.json()["data"], id=account.id, email=account.email, name="Me Myself")


def test_me_without_a_token_is_401(api: Api) -> None:
    assert_error(api.client.get(ME), 401, "unauthorized")


def test_user_reads_own_record(api: Api) -> None:
    account = api.account()
    response = api.client.get(api.user_path(account.id), headers=account.auth)
    assert_status(response, 200)
    assert_user(response.json()["data"], id=account.id, email=account.email, role="user")


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_another_users_id_is_403_whether_or_not_it_exists(api: Api, method: str) -> None:
    account = api.account()
    other = api.account()
    body = {"name": "Hijacked"} if method == "PATCH" else None
    if method == "PUT":
        body = {"email": unique_email(), "name": "Hijacked", "password": PASSWORD}
    for target in (other.id, 2**62):
        response = api.client.request(
            method, api.user_path(target), json=body, headers=account.auth
        )
        assert_error(response, 403, "forbidden")
    still = api.client.get(api.user_path(other.id), headers=other.auth)
    assert_user(still.json()["data"], name=other.name)


def test_patch_changes_only_what_it_holds(api: Api) -> None:
    account = api.account(name="Before")
    before = api.client.get(ME, headers=account.auth).json()["data"]
    response = api.client.patch(
        api.user_path(account.id), json={"name": "After"}, headers=account.auth
    )
    assert_status(response, 200)
    after = assert_user(response.json()["data"], id=account.id, name="After", email=account.email)
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] >= before["updated_at"]
    assert not secrets_in(response.json())


def test_patch_email_is_lower_cased_and_login_follows_it(api: Api) -> None:
    account = api.account()
    new_email = unique_email("NEW")
    response = api.client.patch(
        api.user_path(account.id), json={"email": new_email}, headers=account.auth
    )
    assert_status(response, 200)
    assert response.json()["data"]["email"] == new_email.lower()
    api.tokens(new_email.lower())
    assert_error(api.login(account.email), 401, "unauthorized")


def test_patch_password_then_login_with_the_new_one(api: Api) -> None:
    account = api.account()
    new_password = "a brand new password"
    response = api.client.patch(
        api.user_path(account.id), json={"password": new_password}, headers=account.auth
    )
    assert_status(response, 200)
    assert new_password not in response.text
    assert not secrets_in(response.json())
    api.tokens(account.email, new_password)
    assert_error(api.login(account.email, PASSWORD), 401, "unauthorized")


def test_patch_empty_object_is_400(api: Api) -> None:
    account = api.account()
    response = api.client.patch(api.user_path(account.id), json={}, headers=account.auth)
    assert_error(response, 400, "validation_error", {"body"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"email": "bad"}, "email"),
        ({"password": "short"}, "password"),
        ({"name": None}, "name"),
        ({"id": 5}, "id"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_patch_invalid_field_is_400_naming_it(api: Api, body: dict[str, Any], field: str) -> None:
    account = api.account()
    response = api.client.patch(api.user_path(account.id), json=body, headers=account.auth)
    assert_error(response, 400, "validation_error", {field})


def test_patch_to_a_taken_email_is_409(api: Api) -> None:
    account = api.account()
    other = api.account()
    response = api.client.patch(
        api.user_path(account.id), json={"email": other.email.upper()}, headers=account.auth
    )
    assert assert_error(response, 409, "conflict")["message"] == EMAIL_TAKEN


def test_patch_to_own_email_is_fine(api: Api) -> None:
    account = api.account()
    response = api.client.patch(
        api.user_path(account.id), json={"email": account.email}, headers=account.auth
    )
    assert_status(response, 200)


def test_put_replaces_every_writable_field(api: Api) -> None:
    account = api.account()
    body = {"email": unique_email("put"), "name": "Put Name", "password": "put password 123"}
    response = api.client.put(api.user_path(account.id), json=body, headers=account.auth)
    assert_status(response, 200)
    assert_user(
        response.json()["data"], id=account.id, email=body["email"], name="Put Name", role="user"
    )
    assert body["password"] not in response.text
    api.tokens(body["email"], "put password 123")


@pytest.mark.parametrize("missing", ["email", "name", "password"])
def test_put_missing_a_field_is_400_naming_it(api: Api, missing: str) -> None:
    account = api.account()
    body = {"email": account.email, "name": "Full", "password": PASSWORD}
    del body[missing]
    response = api.client.put(api.user_path(account.id), json=body, headers=account.auth)
    assert_error(response, 400, "validation_error", {missing})


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_user_sending_role_is_403(api: Api, method: str) -> None:
    account = api.account()
    body = {"role": "admin"}
    if method == "PUT":
        body |= {"email": account.email, "name": "N", "password": PASSWORD}
    response = api.client.request(
        method, api.user_path(account.id), json=body, headers=account.auth
    )
    assert_error(response, 403, "forbidden")
    assert api.client.get(ME, headers=account.auth).json()["data"]["role"] == "user"


def test_delete_is_204_with_an_empty_body_and_the_user_is_gone(api: Api) -> None:
    account = api.account()
    response = api.client.delete(api.user_path(account.id), headers=account.auth)
    assert_status(response, 204)
    assert response.content == b""
    assert_error(api.client.get(ME, headers=account.auth), 401, "unauthorized")
    assert_error(
        api.client.post(REFRESH, json={"refresh_token": account.refresh_token}),
        401,
        "unauthorized",
    )
    assert_error(api.login(account.email), 401, "unauthorized")
    admin = api.admin()
    assert_error(api.client.get(api.user_path(account.id), headers=admin.auth), 404, "not_found")


def test_deleted_users_email_can_sign_up_again(api: Api) -> None:
    account = api.account()
    assert_status(api.client.delete(api.user_path(account.id), headers=account.auth), 204)
    response = api.sign_up(account.email)
    assert_status(response, 201)
    assert response.json()["data"]["email"] == account.email


def test_deleted_users_token_never_reaches_a_later_user(api: Api) -> None:
    """Deleting the newest user and signing up another must not hand the old token
    (whose `sub` is the deleted id) the new user's account."""
    account = api.account()
    assert_status(api.client.delete(api.user_path(account.id), headers=account.auth), 204)
    newcomer = api.account()
    assert_error(api.client.get(ME, headers=account.auth), 401, "unauthorized")
    assert_error(
        api.client.get(api.user_path(newcomer.id), headers=account.auth), 401, "unauthorized"
    )


def test_admin_reads_updates_and_deletes_others(api: Api) -> None:
    admin = api.admin()
    account = api.account(name="Managed")
    path = api.user_path(account.id)
    response = api.client.get(path, headers=admin.auth)
    assert_status(response, 200)
    assert_user(response.json()["data"], id=account.id, name="Managed")
    response = api.client.patch(path, json={"name": "Renamed"}, headers=admin.auth)
    assert_user(response.json()["data"], name="Renamed")
    body = {"email": unique_email("adm"), "name": "Put By Admin", "password": "admin set pw 1"}
    response = api.client.put(path, json=body, headers=admin.auth)
    assert_status(response, 200)
    assert_user(response.json()["data"], email=body["email"], role="user")
    api.tokens(body["email"], "admin set pw 1")
    assert_status(api.client.delete(path, headers=admin.auth), 204)
    assert_error(api.client.get(path, headers=admin.auth), 404, "not_found")
    assert_error(api.client.delete(path, headers=admin.auth), 404, "not_found")


def test_role_set_by_an_admin_applies_at_once(api: Api) -> None:
    admin = api.admin()
    account = api.account()
    assert_error(api.client.get("/api/v1/users", headers=account.auth), 403, "forbidden")
    response = api.client.patch(
        api.user_path(account.id), json={"role": "admin"}, headers=admin.auth
    )
    assert_status(response, 200)
    assert response.json()["data"]["role"] == "admin"
    # The same access token: the role is read from the user on every request.
    assert_status(api.client.get("/api/v1/users", headers=account.auth), 200)
    response = api.client.patch(
        api.user_path(account.id), json={"role": "user"}, headers=admin.auth
    )
    assert_status(response, 200)
    assert_error(api.client.get("/api/v1/users", headers=account.auth), 403, "forbidden")


def test_admin_sending_an_unknown_role_is_400(api: Api) -> None:
    admin = api.admin()
    account = api.account()
    response = api.client.patch(
        api.user_path(account.id), json={"role": "root"}, headers=admin.auth
    )
    assert_error(response, 400, "validation_error", {"role"})


def test_validation_comes_before_authentication(api: Api) -> None:
    account = api.account()
    response = api.client.patch(api.user_path(account.id), json={"name": ""})
    assert_error(response, 400, "validation_error", {"name"})


def test_validation_comes_before_permission(api: Api) -> None:
    account = api.account()
    other = api.account()
    response = api.client.patch(
        api.user_path(other.id), json={"email": "bad"}, headers=account.auth
    )
    assert_error(response, 400, "validation_error", {"email"})


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_authentication_comes_before_permission_and_existence(api: Api, method: str) -> None:
    account = api.account()
    body = {"name": "Valid"} if method == "PATCH" else None
    for target in (account.id, 2**62):
        response = api.client.request(method, api.user_path(target), json=body)
        assert_error(response, 401, "unauthorized")


def test_admin_put_may_set_the_role(api: Api) -> None:
    admin = api.admin()
    account = api.account()
    body = {"email": account.email, "name": "Promoted", "password": PASSWORD, "role": "admin"}
    response = api.client.put(api.user_path(account.id), json=body, headers=admin.auth)
    assert_status(response, 200)
    assert_user(response.json()["data"], role="admin", name="Promoted")


def test_existence_comes_before_conflict(api: Api) -> None:
    admin = api.admin()
    taken = api.account()
    response = api.client.patch(
        api.user_path(2**62), json={"email": taken.email}, headers=admin.auth
    )
    assert_error(response, 404, "not_found")
