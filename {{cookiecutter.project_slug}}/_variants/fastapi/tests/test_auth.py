"""Login, access tokens and their attacks, refresh-token rotation with reuse detection, logout."""

from datetime import UTC, datetime, timedelta
from typing import Any

import argon2
import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.core.domain import Credentials, RefreshToken, Role
from app.core.errors import INVALID_CREDENTIALS
from app.core.project import PROJECT
from app.core.security import hash_refresh_token, new_family_id, new_refresh_token
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from tests.helpers import (
    PASSWORD,
    SECRET,
    add_user,
    assert_error,
    bearer,
    fields_of,
    login,
    resources_of,
)


async def test_login_returns_a_token_pair(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app, "me@example.com")

    tokens = await login(client, "ME@example.com")

    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert len(tokens["refresh_token"]) >= 43  # 256 bits, base64
    claims = jwt.decode(tokens["access_token"], SECRET, algorithms=["HS256"], issuer=PROJECT.slug)
    assert claims["sub"] == str(user.id)
    assert claims["role"] == "user"
    assert claims["type"] == "access"
    assert claims["exp"] - claims["iat"] == 900
    assert {"jti", "iss"} <= set(claims)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "me@example.com", "password": "the wrong password"},
        {"email": "nobody@example.com", "password": "the wrong password"},
        {"email": "nul\x00@example.com", "password": "the wrong password"},
    ],
)
async def test_a_failed_login_says_the_same_whether_the_email_exists(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, str]
) -> None:
    await add_user(app, "me@example.com")

    response = await client.post("/api/v1/auth/login", json=body)

    error = assert_error(response, 401, "unauthorized")
    assert error["message"] == INVALID_CREDENTIALS
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_login_validates_its_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": "me@example.com"})
    assert fields_of(response) == {"password"}


def claims_for(user_id: int, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": "admin",
        "type": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "a-jti",
        "iss": PROJECT.slug,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def forged_tokens(user_id: int) -> dict[str, str]:
    unsigned = jwt.encode(claims_for(user_id), key="", algorithm="none")
    header, payload, _ = jwt.encode(claims_for(user_id), SECRET, algorithm="HS256").split(".")
    return {
        "alg none": unsigned,
        "forged signature": jwt.encode(claims_for(user_id), "another secret " * 4, "HS256"),
        "tampered payload": f"{header}.{payload}x.{unsigned.split('.')[2]}",
        "HS512": jwt.encode(claims_for(user_id), SECRET, algorithm="HS512"),
        "wrong type": jwt.encode(claims_for(user_id, type="refresh"), SECRET, "HS256"),
        "wrong issuer": jwt.encode(claims_for(user_id, iss="someone-else"), SECRET, "HS256"),
        "expired": jwt.encode(
            claims_for(user_id, exp=datetime.now(UTC) - timedelta(seconds=1)), SECRET, "HS256"
        ),
        "no subject": jwt.encode(claims_for(user_id, sub=None), SECRET, "HS256"),
        "subject not a number": jwt.encode(claims_for(user_id, sub="admin"), SECRET, "HS256"),
        "unknown role": jwt.encode(claims_for(user_id, role="root"), SECRET, "HS256"),
        "garbage": "not.a.jwt",
    }


async def test_every_forged_or_stale_access_token_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app, "me@example.com")

    for name, token in forged_tokens(user.id).items():
        response = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"] == "Bearer", name


async def test_a_valid_token_of_a_deleted_user_is_401(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app, "me@example.com")
    headers = bearer(await login(client, "me@example.com"))
    await add_user(app, "admin@example.com", Role.ADMIN)
    admin_headers = bearer(await login(client, "admin@example.com"))

    assert (
        await client.delete(f"/api/v1/users/{user.id}", headers=admin_headers)
    ).status_code == 204

    assert_error(await client.get("/api/v1/users/me", headers=headers), 401, "unauthorized")


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_the_pair(app: FastAPI, client: httpx.AsyncClient) -> None:
    await add_user(app, "me@example.com")
    first = await login(client, "me@example.com")

    response = await refresh(client, first["refresh_token"])

    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(second))).status_code == 200


async def test_a_spent_refresh_token_revokes_its_whole_family(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app, "me@example.com")
    first = await login(client, "me@example.com")
    other_session = await login(client, "me@example.com")
    second = (await refresh(client, first["refresh_token"])).json()

    reused = await refresh(client, first["refresh_token"])

    assert_error(reused, 401, "unauthorized")
    assert_error(await refresh(client, second["refresh_token"]), 401, "unauthorized")
    assert (await refresh(client, other_session["refresh_token"])).status_code == 200


@pytest.mark.parametrize("token", ["", "unknown-token", "x" * 500])
async def test_an_unknown_refresh_token_is_401(client: httpx.AsyncClient, token: str) -> None:
    assert_error(await refresh(client, token), 401, "unauthorized")


async def test_an_expired_refresh_token_is_401(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app, "me@example.com")
    token = new_refresh_token()
    async with resources_of(app).sessionmaker() as session:
        credentials = await SqlUserRepository(session).get_credentials(user.email)
        assert credentials is not None
        await SqlRefreshTokenRepository(session).add(
            RefreshToken(
                token_hash=hash_refresh_token(token),
                user_id=user.id,
                family_id=new_family_id(),
                expires_at=datetime.now(UTC) - timedelta(seconds=1),
                used_at=None,
                revoked_at=None,
            ),
            credentials.password_hash,
        )

    assert_error(await refresh(client, token), 401, "unauthorized")


async def test_logout_revokes_the_family_even_with_a_spent_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    await add_user(app, "me@example.com")
    first = await login(client, "me@example.com")
    second = (await refresh(client, first["refresh_token"])).json()

    response = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": first["refresh_token"]}
    )

    assert response.status_code == 204
    assert response.content == b""
    assert_error(await refresh(client, second["refresh_token"]), 401, "unauthorized")
    again = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]}
    )
    assert_error(again, 401, "unauthorized")


async def test_refresh_and_logout_need_a_refresh_token_field(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
        response = await client.post(path, json={"token": "x"})
        assert fields_of(response) == {"refresh_token", "token"}


async def test_a_hash_with_old_parameters_is_upgraded_at_login(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    stronger = argon2.PasswordHasher(memory_cost=16, time_cost=2, parallelism=1)
    async with resources_of(app).sessionmaker() as session:
        await SqlUserRepository(session).add(
            email="old@example.com",
            name="Old",
            role=Role.USER,
            password_hash=stronger.hash(PASSWORD),
        )

    await login(client, "old@example.com")

    async with resources_of(app).sessionmaker() as session:
        credentials = await SqlUserRepository(session).get_credentials("old@example.com")
    assert credentials is not None
    assert not resources_of(app).hasher.needs_rehash(credentials.password_hash)
    assert credentials.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("hash_is_outdated", [False, True])
async def test_a_login_whose_password_changes_before_its_family_is_stored_is_refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    sync_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    hash_is_outdated: bool,
) -> None:
    """A password change lands between the login's read of the credentials and its new
    family (and, for an outdated hash, its upgrade): no family of the old password is born."""
    hasher = resources_of(app).hasher
    outdated = argon2.PasswordHasher(memory_cost=16, time_cost=2, parallelism=1)
    password_hash = outdated.hash(PASSWORD) if hash_is_outdated else await hasher.hash(PASSWORD)
    async with resources_of(app).sessionmaker() as session:
        user = await SqlUserRepository(session).add(
            email="me@example.com", name="Me", role=Role.USER, password_hash=password_hash
        )
    read_credentials = SqlUserRepository.get_credentials

    async def read_then_change_password(self: SqlUserRepository, email: str) -> Credentials | None:
        credentials = await read_credentials(self, email)
        async with resources_of(app).sessionmaker() as other:
            new_hash = await hasher.hash("another long password")
            await SqlUserRepository(other).update(user.id, {"password_hash": new_hash})
        return credentials

    monkeypatch.setattr(SqlUserRepository, "get_credentials", read_then_change_password)
    refused = await client.post(
        "/api/v1/auth/login", json={"email": "me@example.com", "password": PASSWORD}
    )

    assert_error(refused, 401, "unauthorized")
    with sync_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM refresh_tokens")) == 0
