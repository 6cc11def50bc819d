"""/api/v1/auth and the access token: login, rotation, reuse detection, logout, attacks."""

from datetime import timedelta

import jwt
import pytest

from app.authn.models import RefreshToken
from app.core.domain import utc_now
from app.core.settings import get_settings
from tests.conftest import PASSWORD, Account, Api, error_code, error_fields

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"


def test_login_returns_a_token_pair(api: Api, alice: Account) -> None:
    response = api.post(LOGIN, {"email": "ALICE@example.com", "password": PASSWORD})

    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    assert len(pair["refresh_token"]) >= 43
    assert api.get(ME, token=pair["access_token"]).status_code == 200


def test_the_access_token_carries_the_contract_claims(api: Api, alice: Account) -> None:
    claims = jwt.decode(alice.access_token, options={"verify_signature": False})

    assert claims["sub"] == str(alice.id)
    assert claims["role"] == "user"
    assert claims["type"] == "access"
    assert claims["iss"] == get_settings().jwt_issuer
    assert claims["exp"] - claims["iat"] == 900
    assert claims["jti"]


def test_a_wrong_password_and_an_unknown_email_fail_alike(api: Api, alice: Account) -> None:
    wrong = api.post(LOGIN, {"email": "alice@example.com", "password": "wrong password!!"})
    unknown = api.post(LOGIN, {"email": "nobody@example.com", "password": "wrong password!!"})

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]


@pytest.mark.parametrize("email", ["alice\x00@example.com", "\x00", "alice@example.com\x00"])
def test_a_nul_in_the_login_email_is_an_unknown_email(api: Api, alice: Account, email: str) -> None:
    unknown = api.post(LOGIN, {"email": "nobody@example.com", "password": PASSWORD})
    response = api.post(LOGIN, {"email": email, "password": PASSWORD})

    assert response.status_code == 401
    assert response.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_login_with_missing_fields_is_a_400(api: Api) -> None:
    response = api.post(LOGIN, {"email": "alice@example.com"})

    assert response.status_code == 400
    assert error_fields(response) == {"password"}


def test_refresh_rotates_the_pair_and_spends_the_old_token(api: Api, alice: Account) -> None:
    response = api.post(REFRESH, {"refresh_token": alice.refresh_token})

    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != alice.refresh_token
    assert api.get(ME, token=pair["access_token"]).status_code == 200


def test_a_spent_refresh_token_revokes_its_whole_family(api: Api, alice: Account) -> None:
    rotated = api.post(REFRESH, {"refresh_token": alice.refresh_token}).json()

    reuse = api.post(REFRESH, {"refresh_token": alice.refresh_token})
    after = api.post(REFRESH, {"refresh_token": rotated["refresh_token"]})

    assert reuse.status_code == 401
    assert error_code(reuse) == "unauthorized"
    assert after.status_code == 401


@pytest.mark.parametrize("token", ["", "unknown-token", "x" * 500, "nul\x00token", "\x00"])
def test_an_unknown_refresh_token_is_a_401(api: Api, token: str) -> None:
    assert api.post(REFRESH, {"refresh_token": token}).status_code == 401
    assert api.post(LOGOUT, {"refresh_token": token}).status_code == 401


def test_logout_revokes_the_family(api: Api, alice: Account) -> None:
    rotated = api.post(REFRESH, {"refresh_token": alice.refresh_token}).json()

    response = api.post(LOGOUT, {"refresh_token": rotated["refresh_token"]})

    assert response.status_code == 204
    assert response.content == b""
    assert api.post(REFRESH, {"refresh_token": rotated["refresh_token"]}).status_code == 401


def test_logout_with_a_spent_token_still_revokes_the_family(api: Api, alice: Account) -> None:
    rotated = api.post(REFRESH, {"refresh_token": alice.refresh_token}).json()

    assert api.post(LOGOUT, {"refresh_token": alice.refresh_token}).status_code == 204
    assert api.post(REFRESH, {"refresh_token": rotated["refresh_token"]}).status_code == 401


def test_other_families_survive_a_logout(api: Api, alice: Account) -> None:
    other = api.post(LOGIN, {"email": "alice@example.com", "password": PASSWORD}).json()

    api.post(LOGOUT, {"refresh_token": alice.refresh_token})

    assert api.post(REFRESH, {"refresh_token": other["refresh_token"]}).status_code == 200


def test_an_expired_refresh_token_is_a_401(api: Api, alice: Account) -> None:
    RefreshToken.objects.update(expires_at=utc_now() - timedelta(seconds=1))

    assert api.post(REFRESH, {"refresh_token": alice.refresh_token}).status_code == 401


def _forge(claims: dict[str, object], key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or get_settings().secret_key(), algorithm=algorithm)


def _claims(account: Account, **changes: object) -> dict[str, object]:
    now = utc_now()
    claims: dict[str, object] = {
        "sub": str(account.id),
        "role": "user",
        "type": "access",
        "iat": now,
        "exp": now + timedelta(minutes=15),
        "jti": "abc",
        "iss": get_settings().jwt_issuer,
    }
    claims.update(changes)
    return claims


def _unsigned(claims: dict[str, object]) -> str:
    return jwt.encode(claims, key=None, algorithm="none")


@pytest.mark.parametrize(
    "attack",
    [
        "alg_none",
        "forged_signature",
        "wrong_type",
        "wrong_issuer",
        "expired",
        "admin_role_claim_of_a_user",
        "garbage",
    ],
)
def test_a_bad_access_token_is_a_401(api: Api, alice: Account, attack: str) -> None:
    now = utc_now()
    tokens = {
        "alg_none": _unsigned(_claims(alice)),
        "forged_signature": _forge(_claims(alice), key="another-secret-of-enough-length-0123456"),
        "wrong_type": _forge(_claims(alice, type="refresh")),
        "wrong_issuer": _forge(_claims(alice, iss="someone-else")),
        "expired": _forge(_claims(alice, iat=now - timedelta(hours=1), exp=now - timedelta(1))),
        "admin_role_claim_of_a_user": _forge(
            _claims(alice, role="admin"), key="a-guessed-secret-that-is-long-enough-000"
        ),
        "garbage": "not.a.jwt",
    }

    response = api.get(ME, token=tokens[attack])

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_s_role_claim_does_not_outrank_the_stored_role(api: Api, alice: Account) -> None:
    token = _forge(_claims(alice, role="admin"))

    assert api.get("/api/v1/users", token=token).status_code == 403


def test_an_authorization_header_that_is_not_bearer_is_a_401(api: Api, alice: Account) -> None:
    response = api.get(ME, headers={"Authorization": f"Basic {alice.access_token}"})

    assert response.status_code == 401


def test_a_deleted_user_s_token_is_a_401(api: Api, alice: Account, admin: Account) -> None:
    api.delete(f"/api/v1/users/{alice.id}", token=admin.access_token)

    assert api.get(ME, token=alice.access_token).status_code == 401
