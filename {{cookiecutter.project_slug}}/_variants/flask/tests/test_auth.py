"""Tokens: login, rotation with reuse detection, logout, and the attacks on access tokens."""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient

from app.core.errors import INVALID_CREDENTIALS
from app.core.project import PROJECT
from tests.conftest import (
    JWT_SECRET,
    PASSWORD,
    Account,
    bearer,
    body,
    detail_fields,
    error_of,
    log_in,
)


def refresh(client: FlaskClient, token: str) -> Any:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def access_claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "1",
        "role": "admin",
        "type": "access",
        "iat": now,
        "exp": now + timedelta(minutes=15),
        "jti": "0123456789abcdef",
        "iss": PROJECT.slug,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


class TestLogin:
    def test_returns_a_bearer_token_pair(self, client: FlaskClient, ann: Account) -> None:
        response = log_in(client, "ANN@example.com")

        assert response.status_code == 200
        pair = body(response)
        assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert pair["token_type"] == "bearer" and pair["expires_in"] == 900
        assert len(pair["refresh_token"]) >= 43

    def test_the_access_token_carries_the_contract_claims(
        self, client: FlaskClient, ann: Account
    ) -> None:
        claims = jwt.decode(ann.access_token, JWT_SECRET, algorithms=["HS256"], issuer=PROJECT.slug)

        assert claims["sub"] == str(ann.id) and claims["role"] == "user"
        assert claims["type"] == "access"
        assert claims["exp"] - claims["iat"] == 900
        assert {"jti", "iss"} <= set(claims)

    @pytest.mark.parametrize(
        ("email", "password"),
        [
            ("ann@example.com", "wrong password!"),
            ("nobody@example.com", PASSWORD),
            ("nul\x00@example.com", PASSWORD),
        ],
    )
    def test_a_failure_says_the_same_whether_the_email_exists_or_not(
        self, client: FlaskClient, ann: Account, email: str, password: str
    ) -> None:
        response = log_in(client, email, password)

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        error = error_of(response)
        assert (error["code"], error["message"]) == ("unauthorized", INVALID_CREDENTIALS)

    def test_a_missing_field_is_a_400(self, client: FlaskClient) -> None:
        response = client.post("/api/v1/auth/login", json={"email": "ann@example.com"})

        assert detail_fields(response) == {"password"}


class TestRefresh:
    def test_rotates_the_pair_in_the_same_family(self, client: FlaskClient, ann: Account) -> None:
        response = refresh(client, ann.refresh_token)

        assert response.status_code == 200
        pair = body(response)
        assert pair["refresh_token"] != ann.refresh_token
        assert (
            client.get("/api/v1/users/me", headers=bearer(pair["access_token"])).status_code == 200
        )
        assert refresh(client, pair["refresh_token"]).status_code == 200

    def test_a_spent_token_presented_again_revokes_the_family(
        self, client: FlaskClient, ann: Account
    ) -> None:
        rotated = body(refresh(client, ann.refresh_token))

        reused = refresh(client, ann.refresh_token)

        assert reused.status_code == 401 and error_of(reused)["code"] == "unauthorized"
        assert refresh(client, rotated["refresh_token"]).status_code == 401

    def test_other_families_survive_a_reuse(self, client: FlaskClient, ann: Account) -> None:
        other = body(log_in(client, "ann@example.com"))
        refresh(client, ann.refresh_token)
        refresh(client, ann.refresh_token)

        assert refresh(client, other["refresh_token"]).status_code == 200

    @pytest.mark.parametrize("token", ["unknown-token", ""])
    def test_an_unknown_token_is_a_401(self, client: FlaskClient, token: str) -> None:
        assert refresh(client, token).status_code == 401

    def test_an_access_token_is_not_a_refresh_token(
        self, client: FlaskClient, ann: Account
    ) -> None:
        assert refresh(client, ann.access_token).status_code == 401

    def test_needs_the_refresh_token_field(self, client: FlaskClient, ann: Account) -> None:
        response = client.post("/api/v1/auth/refresh", json={"token": ann.refresh_token})

        assert detail_fields(response) == {"refresh_token", "token"}


class TestLogout:
    def test_revokes_the_whole_family(self, client: FlaskClient, ann: Account) -> None:
        rotated = body(refresh(client, ann.refresh_token))

        response = client.post(
            "/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]}
        )

        assert response.status_code == 204 and response.get_data() == b""
        assert refresh(client, rotated["refresh_token"]).status_code == 401

    def test_a_spent_token_still_logs_out(self, client: FlaskClient, ann: Account) -> None:
        rotated = body(refresh(client, ann.refresh_token))

        response = client.post("/api/v1/auth/logout", json={"refresh_token": ann.refresh_token})

        assert response.status_code == 204
        assert refresh(client, rotated["refresh_token"]).status_code == 401

    def test_a_revoked_or_unknown_token_is_a_401(self, client: FlaskClient, ann: Account) -> None:
        client.post("/api/v1/auth/logout", json={"refresh_token": ann.refresh_token})

        again = client.post("/api/v1/auth/logout", json={"refresh_token": ann.refresh_token})
        unknown = client.post("/api/v1/auth/logout", json={"refresh_token": "nope"})

        assert again.status_code == 401 and unknown.status_code == 401


class TestAccessTokenAttacks:
    def forged(
        self, ann: Account, key: str = JWT_SECRET, algorithm: str = "HS256", **changes: Any
    ) -> str:
        return jwt.encode(access_claims(sub=str(ann.id), **changes), key, algorithm=algorithm)

    def assert_rejected(self, client: FlaskClient, token: str) -> None:
        response = client.get("/api/v1/users/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert error_of(response)["code"] == "unauthorized"

    def test_the_genuine_token_works(self, client: FlaskClient, ann: Account) -> None:
        assert (
            client.get(
                "/api/v1/users/me", headers=bearer(self.forged(ann, role="user"))
            ).status_code
            == 200
        )

    def test_alg_none(self, client: FlaskClient, ann: Account) -> None:
        token = jwt.encode(access_claims(sub=str(ann.id)), key=None, algorithm="none")
        self.assert_rejected(client, token)

    def test_a_forged_signature(self, client: FlaskClient, ann: Account) -> None:
        self.assert_rejected(client, self.forged(ann, key="another-secret-that-is-long-enough!!"))

    @pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
    def test_another_hmac_algorithm(self, client: FlaskClient, ann: Account) -> None:
        self.assert_rejected(client, self.forged(ann, algorithm="HS512"))

    def test_a_wrong_type(self, client: FlaskClient, ann: Account) -> None:
        self.assert_rejected(client, self.forged(ann, type="refresh"))

    def test_a_wrong_issuer(self, client: FlaskClient, ann: Account) -> None:
        self.assert_rejected(client, self.forged(ann, iss="someone-else"))

    def test_an_expired_token(self, client: FlaskClient, ann: Account) -> None:
        past = datetime.now(UTC) - timedelta(hours=1)
        self.assert_rejected(client, self.forged(ann, iat=past, exp=past + timedelta(minutes=15)))

    def test_a_token_missing_a_claim(self, client: FlaskClient, ann: Account) -> None:
        self.assert_rejected(client, self.forged(ann, jti=None))

    def test_garbage_and_other_schemes(self, client: FlaskClient) -> None:
        self.assert_rejected(client, "not.a.jwt")
        response = client.get("/api/v1/users/me", headers={"Authorization": "Basic YTpi"})
        assert response.status_code == 401

    def test_a_deleted_users_token(self, client: FlaskClient, ann: Account) -> None:
        client.delete(f"/api/v1/users/{ann.id}", headers=ann.headers)
        self.assert_rejected(client, ann.access_token)

    def test_a_forged_admin_role_claim_gives_no_admin_rights(
        self, client: FlaskClient, ann: Account
    ) -> None:
        """The role comes from the user's record, not from the token."""
        token = self.forged(ann, role="admin")

        assert client.get("/api/v1/users", headers=bearer(token)).status_code == 403
