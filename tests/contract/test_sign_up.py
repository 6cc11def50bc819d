"""POST /api/v1/users: sign-up, its validation (400, never 422) and who may set a role."""

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from harness.servers import JWT_SECRET
from tests.contract.helpers import (
    EMAIL_TAKEN,
    PASSWORD,
    USERS,
    Api,
    assert_error,
    assert_status,
    assert_user,
    bearer,
    encode_jwt,
    secrets_in,
    unique_email,
)

pytestmark = pytest.mark.contract


def post_raw(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post(USERS, content=body, headers={"Content-Type": "application/json"})


def test_sign_up_is_201_with_location_and_the_user(api: Api) -> None:
    email = unique_email("signup")
    response = api.sign_up(email, name="Ann Example")
    assert_status(response, 201)
    body = response.json()
    assert set(body) == {"data"}
    user = assert_user(body["data"], email=email, name="Ann Example", role="user")
    assert urlsplit(response.headers["location"]).path == f"/api/v1/users/{user['id']}"


def test_sign_up_never_returns_the_password_or_a_hash(api: Api) -> None:
    password = "a very secret password 42"
    response = api.sign_up(password=password)
    assert_status(response, 201)
    assert password not in response.text
    assert "$argon2" not in response.text and "$2b$" not in response.text
    assert not secrets_in(response.json())


def test_email_is_stored_lower_cased_and_name_trimmed(api: Api) -> None:
    local = unique_email("MiXeD").split("@")[0]
    response = api.sign_up(f"{local}@Example.COM", name="  Trimmed Name  ")
    assert_status(response, 201)
    assert_user(response.json()["data"], email=f"{local.lower()}@example.com", name="Trimmed Name")


def test_email_taken_in_any_case_is_409(api: Api) -> None:
    email = unique_email("dup")
    assert_status(api.sign_up(email), 201)
    assert assert_error(api.sign_up(email), 409, "conflict")["message"] == EMAIL_TAKEN
    assert assert_error(api.sign_up(email.upper()), 409, "conflict")["message"] == EMAIL_TAKEN


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "two@@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"password": "p" * 11}, "password"),
        ({"password": "p" * 129}, "password"),
        ({"password": ""}, "password"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"email": 42}, "email"),
        ({"email": None}, "email"),
        ({"name": 123}, "name"),
        ({"name": ["a"]}, "name"),
        ({"password": {"x": 1}}, "password"),
        ({"password": 123456789012345}, "password"),
        ({"nickname": "ann"}, "nickname"),
    ],
)
def test_invalid_field_is_400_naming_it(api: Api, changes: dict[str, Any], field: str) -> None:
    body = {"email": unique_email(), "name": "Valid Name", "password": PASSWORD, **changes}
    response = post_raw(api.client, json.dumps(body).encode())
    assert_error(response, 400, "validation_error", {field})


@pytest.mark.parametrize("missing", ["email", "name", "password"])
def test_missing_field_is_400_naming_it(api: Api, missing: str) -> None:
    body = {"email": unique_email(), "name": "Valid Name", "password": PASSWORD}
    del body[missing]
    assert_error(
        post_raw(api.client, json.dumps(body).encode()), 400, "validation_error", {missing}
    )


def test_every_bad_field_is_named(api: Api) -> None:
    body = {"email": "nope", "name": "", "password": "short"}
    response = post_raw(api.client, json.dumps(body).encode())
    assert_error(response, 400, "validation_error", {"email", "name", "password"})


@pytest.mark.parametrize(
    ("name", "password"),
    [("n", "p" * 12), ("n" * 100, "p" * 128), ("  " + "n" * 100 + "  ", "p" * 12)],
)
def test_bounds_are_inclusive(api: Api, name: str, password: str) -> None:
    response = api.sign_up(name=name, password=password)
    assert_status(response, 201)
    assert response.json()["data"]["name"] == name.strip()
    api.tokens(response.json()["data"]["email"], password)


@pytest.mark.parametrize(
    "body",
    [b"{", b"", b"not json", b"[]", b'"a string"', b"42", b"null", b'[{"email": "a@b.c"}]'],
    ids=["truncated", "empty", "garbage", "array", "string", "number", "null", "array-of-object"],
)
def test_body_that_is_not_a_json_object_is_400_naming_body(api: Api, body: bytes) -> None:
    assert_error(post_raw(api.client, body), 400, "validation_error", {"body"})


@pytest.mark.parametrize("role", ["user", "admin"])
def test_anonymous_sign_up_sending_role_is_403(api: Api, role: str) -> None:
    email = unique_email("role")
    assert_error(api.sign_up(email, role=role), 403, "forbidden")
    assert_error(api.login(email), 401, "unauthorized")


def test_user_sign_up_sending_role_is_403(api: Api) -> None:
    account = api.account()
    assert_error(api.sign_up(role="admin", headers=account.auth), 403, "forbidden")


def test_signed_in_user_may_sign_up_someone_without_role(api: Api) -> None:
    account = api.account()
    assert_status(api.sign_up(headers=account.auth), 201)


def test_admin_may_create_an_admin(api: Api) -> None:
    admin = api.admin()
    response = api.sign_up(role="admin", headers=admin.auth)
    assert_status(response, 201)
    assert_user(response.json()["data"], role="admin")


def test_admin_sending_an_unknown_role_is_400(api: Api) -> None:
    admin = api.admin()
    assert_error(
        api.sign_up(role="superuser", headers=admin.auth), 400, "validation_error", {"role"}
    )


def test_invalid_authorization_on_sign_up_is_401(api: Api) -> None:
    forged = encode_jwt({"sub": "1", "role": "admin"}, JWT_SECRET + "x")
    for headers in (bearer("garbage"), bearer(forged)):
        assert_error(api.sign_up(headers=headers), 401, "unauthorized")


def test_validation_comes_before_the_role_check(api: Api) -> None:
    response = api.sign_up(email="nope", role="admin")
    assert_error(response, 400, "validation_error", {"email"})
