"""Login, access tokens and their attacks, refresh rotation, reuse detection and logout."""

import time
import uuid
from typing import Any

import pytest

from harness.servers import JWT_SECRET
from tests.contract.helpers import (
    LOGIN,
    LOGOUT,
    ME,
    REFRESH,
    Api,
    access_claims,
    assert_error,
    assert_status,
    assert_token_pair,
    b64url,
    bearer,
    encode_jwt,
    jwt_claims,
    jwt_header,
    unique_email,
)

pytestmark = pytest.mark.contract


def test_login_returns_a_token_pair(api: Api) -> None:
    account = api.account()
    pair = api.tokens(account.email)
    me = api.client.get(ME, headers=bearer(pair["access_token"]))
    assert_status(me, 200)
    assert me.json()["data"]["id"] == account.id


def test_access_token_claims(api: Api) -> None:
    account = api.account()
    token = account.access_token
    assert jwt_header(token)["alg"] == "HS256"
    claims = jwt_claims(token)
    assert {"sub", "role", "type", "iat", "exp", "jti", "iss"} <= set(claims)
    assert claims["sub"] == str(account.id)
    assert claims["role"] == "user"
    assert claims["type"] == "access"
    assert claims["iss"] == api.issuer
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 300


def test_every_login_gets_fresh_tokens(api: Api) -> None:
    account = api.account()
    first, second = api.tokens(account.email), api.tokens(account.email)
    assert first["refresh_token"] != second["refresh_token"]
    assert jwt_claims(first["access_token"])["jti"] != jwt_claims(second["access_token"])["jti"]


def test_login_failure_says_the_same_for_unknown_email_and_wrong_password(api: Api) -> None:
    account = api.account()
    wrong_password = assert_error(api.login(account.email, "wrong password!!"), 401, "unauthorized")
    unknown_email = assert_error(api.login(unique_email("ghost")), 401, "unauthorized")
    assert wrong_password["message"] == unknown_email["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "whatever password"}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": 5, "password": "whatever password"}, "email"),
        ({"email": "a@example.com", "password": ["x"]}, "password"),
    ],
)
def test_login_with_a_bad_body_is_400(api: Api, body: dict[str, Any], field: str) -> None:
    assert_error(api.client.post(LOGIN, json=body), 400, "validation_error", {field})


@pytest.mark.parametrize("body", [b"{", b"[]", b""])
def test_login_with_a_body_that_is_not_an_object_is_400(api: Api, body: bytes) -> None:
    response = api.client.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "validation_error", {"body"})


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer not.a.jwt", "Bearer x"],
)
def test_missing_or_malformed_authorization_is_401(api: Api, authorization: str) -> None:
    response = api.client.get(ME, headers={"Authorization": authorization})
    assert_error(response, 401, "unauthorized")


def test_forged_token_with_the_right_secret_is_accepted(api: Api) -> None:
    """The suite's hand-made tokens are sound, so each rejection below is the server's."""
    account = api.account()
    token = encode_jwt(access_claims(account.id, "user", api.issuer), JWT_SECRET)
    response = api.client.get(ME, headers=bearer(token))
    assert_status(response, 200)
    assert response.json()["data"]["id"] == account.id


ATTACKS = {
    "alg-none": lambda c: encode_jwt(c, "", "none"),
    "alg-none-with-signature": lambda c: encode_jwt(c, "", "none") + b64url(b"sig"),
    "alg-HS512": lambda c: encode_jwt(c, JWT_SECRET, "HS512"),
    "alg-HS384": lambda c: encode_jwt(c, JWT_SECRET, "HS384"),
    "forged-signature": lambda c: encode_jwt(c, "another-secret-0123456789-0123456789"),
    "truncated-signature": lambda c: encode_jwt(c, JWT_SECRET)[:-4],
    "wrong-issuer": lambda c: encode_jwt({**c, "iss": "someone-else"}, JWT_SECRET),
    "type-refresh": lambda c: encode_jwt({**c, "type": "refresh"}, JWT_SECRET),
    "type-other": lambda c: encode_jwt({**c, "type": "id"}, JWT_SECRET),
    "expired": lambda c: encode_jwt(
        {**c, "iat": int(time.time()) - 2000, "exp": int(time.time()) - 60}, JWT_SECRET
    ),
    "unknown-role": lambda c: encode_jwt({**c, "role": "root"}, JWT_SECRET),
    "sub-not-a-number": lambda c: encode_jwt({**c, "sub": "abc"}, JWT_SECRET),
    "sub-unknown-user": lambda c: encode_jwt({**c, "sub": str(2**62)}, JWT_SECRET),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attacking_token_is_401(api: Api, attack: str) -> None:
    account = api.account()
    token = ATTACKS[attack](access_claims(account.id, "admin", api.issuer))
    assert_error(api.client.get(ME, headers=bearer(token)), 401, "unauthorized")
    assert_error(api.client.get("/api/v1/users", headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("claim", ["sub", "role", "type", "iat", "exp", "jti", "iss"])
def test_token_missing_a_claim_is_401(api: Api, claim: str) -> None:
    account = api.account()
    token = encode_jwt(access_claims(account.id, "user", api.issuer, **{claim: None}), JWT_SECRET)
    assert_error(api.client.get(ME, headers=bearer(token)), 401, "unauthorized")


def test_refresh_token_is_not_an_access_token(api: Api) -> None:
    account = api.account()
    assert_error(api.client.get(ME, headers=bearer(account.refresh_token)), 401, "unauthorized")


def test_refresh_rotates_and_spends_the_old_token(api: Api) -> None:
    account = api.account()
    response = api.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    pair = assert_token_pair(response)
    assert pair["refresh_token"] != account.refresh_token
    assert_status(api.client.get(ME, headers=bearer(pair["access_token"])), 200)
    again = api.client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
    assert_token_pair(again)


def test_reusing_a_spent_refresh_token_revokes_its_family(api: Api) -> None:
    account = api.account()
    other_family = api.tokens(account.email)
    newer = assert_token_pair(
        api.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    )
    reuse = api.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    assert_error(reuse, 401, "unauthorized")
    # The thief's newer token dies with its family...
    assert_error(
        api.client.post(REFRESH, json={"refresh_token": newer["refresh_token"]}),
        401,
        "unauthorized",
    )
    # ...while another login's family lives on.
    assert_token_pair(
        api.client.post(REFRESH, json={"refresh_token": other_family["refresh_token"]})
    )


def test_logout_revokes_the_family(api: Api) -> None:
    account = api.account()
    response = api.client.post(LOGOUT, json={"refresh_token": account.refresh_token})
    assert_status(response, 204)
    assert response.content == b""
    assert_error(
        api.client.post(REFRESH, json={"refresh_token": account.refresh_token}),
        401,
        "unauthorized",
    )


def test_logout_with_a_spent_token_revokes_the_newer_one(api: Api) -> None:
    account = api.account()
    newer = assert_token_pair(
        api.client.post(REFRESH, json={"refresh_token": account.refresh_token})
    )
    assert_status(api.client.post(LOGOUT, json={"refresh_token": account.refresh_token}), 204)
    assert_error(
        api.client.post(REFRESH, json={"refresh_token": newer["refresh_token"]}),
        401,
        "unauthorized",
    )


def test_logout_needs_no_access_token_and_is_401_when_already_revoked(api: Api) -> None:
    account = api.account()
    assert_status(api.client.post(LOGOUT, json={"refresh_token": account.refresh_token}), 204)
    again = api.client.post(LOGOUT, json={"refresh_token": account.refresh_token})
    assert_error(again, 401, "unauthorized")


@pytest.mark.parametrize("path", [REFRESH, LOGOUT])
@pytest.mark.parametrize(
    "token", ["garbage", uuid.uuid4().hex * 2, "x" * 500], ids=["short", "random", "long"]
)
def test_unknown_refresh_token_is_401(api: Api, path: str, token: str) -> None:
    assert_error(api.client.post(path, json={"refresh_token": token}), 401, "unauthorized")


@pytest.mark.parametrize("path", [REFRESH, LOGOUT])
@pytest.mark.parametrize("body", [{}, {"refresh_token": 5}, {"refresh_token": None}])
def test_refresh_body_without_a_token_string_is_400(
    api: Api, path: str, body: dict[str, Any]
) -> None:
    assert_error(api.client.post(path, json=body), 400, "validation_error", {"refresh_token"})


def test_access_token_of_a_deleted_user_is_401(api: Api) -> None:
    admin = api.admin()
    account = api.account()
    assert_status(api.client.delete(api.user_path(account.id), headers=admin.auth), 204)
    assert_error(api.client.get(ME, headers=account.auth), 401, "unauthorized")
    assert_error(
        api.client.post(REFRESH, json={"refresh_token": account.refresh_token}),
        401,
        "unauthorized",
    )
