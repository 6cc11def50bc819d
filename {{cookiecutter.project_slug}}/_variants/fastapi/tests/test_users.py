"""Sign-up, reading, replacing, patching and deleting users, and who may do each."""

import httpx
import pytest
from fastapi import FastAPI

from app.core.domain import Role
from tests.helpers import PASSWORD, add_user, assert_error, bearer, fields_of, login, signed_in

NEW_USER = {"email": "Ann.Example@Example.COM", "name": "  Ann  ", "password": PASSWORD}
USER_FIELDS = {"id", "email", "name", "role", "created_at", "updated_at"}


async def test_sign_up_returns_the_user_and_its_location(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/users", json=NEW_USER)

    assert response.status_code == 201
    user = response.json()["data"]
    assert set(user) == USER_FIELDS
    assert user["email"] == "ann.example@example.com"
    assert user["name"] == "Ann"
    assert user["role"] == "user"
    assert user["created_at"].endswith("Z")
    assert response.headers["Location"] == f"/api/v1/users/{user['id']}"
    assert PASSWORD not in response.text
    assert "hash" not in response.text


async def test_an_email_is_taken_whatever_its_case(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/users", json=NEW_USER)
    again = {**NEW_USER, "email": "ANN.EXAMPLE@example.com"}

    assert_error(await client.post("/api/v1/users", json=again), 409, "conflict")


async def test_only_an_admin_may_set_a_role_at_sign_up(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    with_role = {**NEW_USER, "role": "admin"}
    assert_error(await client.post("/api/v1/users", json=with_role), 403, "forbidden")
    _, user_headers = await signed_in(app, client, "user@example.com")
    response = await client.post("/api/v1/users", json=with_role, headers=user_headers)
    assert_error(response, 403, "forbidden")

    _, admin_headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)
    response = await client.post("/api/v1/users", json=with_role, headers=admin_headers)
    assert response.status_code == 201
    assert response.json()["data"]["role"] == "admin"


@pytest.mark.parametrize("authorization", ["Bearer not-a-jwt", "Basic YWxhZGRpbjpvcGVu", "Bearer"])
async def test_sign_up_with_a_bad_authorization_header_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.post(
        "/api/v1/users", json=NEW_USER, headers={"Authorization": authorization}
    )
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_USER, "email": "not-an-email"}, "email"),
        ({**NEW_USER, "email": 42}, "email"),
        ({**NEW_USER, "name": "   "}, "name"),
        ({**NEW_USER, "name": "x" * 101}, "name"),
        ({**NEW_USER, "name": "nul\x00byte"}, "name"),
        ({**NEW_USER, "name": "\x19"}, "name"),
        ({**NEW_USER, "name": "tab\there"}, "name"),
        ({**NEW_USER, "password": "short"}, "password"),
        ({**NEW_USER, "password": "p" * 129}, "password"),
        ({**NEW_USER, "password": None}, "password"),
        ({**NEW_USER, "role": "superuser"}, "role"),
        ({**NEW_USER, "is_admin": True}, "is_admin"),
        ({"name": "Ann", "password": PASSWORD}, "email"),
        ([NEW_USER], "body"),
        ("a string", "body"),
    ],
)
async def test_sign_up_validation_names_the_field(
    client: httpx.AsyncClient, body: object, field: str
) -> None:
    assert field in fields_of(await client.post("/api/v1/users", json=body))


@pytest.mark.parametrize("content", [b"", b"{not json", b"null"])
async def test_a_body_that_is_not_a_json_object_is_400_on_body(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        "/api/v1/users", content=content, headers={"Content-Type": "application/json"}
    )
    assert fields_of(response) == {"body"}


async def test_a_name_of_100_characters_after_trimming_is_accepted(
    client: httpx.AsyncClient,
) -> None:
    body = {**NEW_USER, "name": f"  {'x' * 100}  "}
    assert (await client.post("/api/v1/users", json=body)).status_code == 201


async def test_me_and_my_own_record(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")

    me = await client.get("/api/v1/users/me", headers=headers)
    by_id = await client.get(f"/api/v1/users/{user.id}", headers=headers)

    assert me.status_code == by_id.status_code == 200
    assert me.json() == by_id.json()
    assert me.json()["data"]["email"] == "me@example.com"


async def test_reading_users_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/users/me")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_error(await client.get("/api/v1/users/1"), 401, "unauthorized")


async def test_a_user_may_not_read_another_whether_or_not_it_exists(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await add_user(app, "other@example.com")
    _, headers = await signed_in(app, client, "me@example.com")

    assert_error(await client.get(f"/api/v1/users/{other.id}", headers=headers), 403, "forbidden")
    assert_error(await client.get("/api/v1/users/999999", headers=headers), 403, "forbidden")


async def test_an_admin_reads_anyone_and_gets_404_for_nobody(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await add_user(app, "other@example.com")
    _, headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)

    response = await client.get(f"/api/v1/users/{other.id}", headers=headers)
    assert response.json()["data"]["id"] == other.id
    assert_error(await client.get("/api/v1/users/999999", headers=headers), 404, "not_found")


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1.5", str(2**64), "99999999999999999999"])
async def test_an_id_that_is_not_a_positive_64_bit_integer_is_404(
    app: FastAPI, client: httpx.AsyncClient, user_id: str
) -> None:
    _, headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)
    response = await client.get(f"/api/v1/users/{user_id}", headers=headers)
    assert_error(response, 404, "not_found")


async def test_put_replaces_every_writable_field(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    body = {"email": "New@Example.com", "name": "New Name", "password": "a new password 123"}

    response = await client.put(f"/api/v1/users/{user.id}", json=body, headers=headers)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["email"], data["name"]) == ("new@example.com", "New Name")
    assert data["updated_at"] >= data["created_at"]
    await login(client, "new@example.com", "a new password 123")


async def test_put_needs_every_writable_field(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    response = await client.put(f"/api/v1/users/{user.id}", json={"name": "X"}, headers=headers)
    assert fields_of(response) == {"email", "password"}


async def test_patch_changes_only_what_it_holds(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")

    response = await client.patch(
        f"/api/v1/users/{user.id}", json={"name": "Renamed"}, headers=headers
    )

    assert response.json()["data"]["name"] == "Renamed"
    assert response.json()["data"]["email"] == "me@example.com"


async def test_patch_with_a_new_password_rehashes_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    new_password = "another long password"

    await client.patch(f"/api/v1/users/{user.id}", json={"password": new_password}, headers=headers)

    failed = await client.post(
        "/api/v1/auth/login", json={"email": "me@example.com", "password": PASSWORD}
    )
    assert_error(failed, 401, "unauthorized")
    await login(client, "me@example.com", new_password)


async def test_a_new_password_revokes_every_refresh_token_family(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    families = [await login(client, "me@example.com") for _ in range(2)]

    changed = await client.patch(
        f"/api/v1/users/{user.id}", json={"password": "another long password"}, headers=headers
    )

    assert changed.status_code == 200
    for tokens in families:
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert_error(refreshed, 401, "unauthorized")


@pytest.mark.parametrize(("body", "field"), [({}, "body"), ({"email": None}, "email")])
async def test_patch_needs_a_non_empty_valid_subset(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    response = await client.patch(f"/api/v1/users/{user.id}", json=body, headers=headers)
    assert fields_of(response) == {field}


async def test_changing_to_a_taken_email_is_409(app: FastAPI, client: httpx.AsyncClient) -> None:
    await add_user(app, "taken@example.com")
    user, headers = await signed_in(app, client, "me@example.com")
    response = await client.patch(
        f"/api/v1/users/{user.id}", json={"email": "TAKEN@example.com"}, headers=headers
    )
    assert_error(response, 409, "conflict")


async def test_a_user_cannot_raise_their_own_role(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")

    for method in ("PATCH", "PUT"):
        body = {"email": "me@example.com", "name": "Me", "password": PASSWORD, "role": "admin"}
        response = await client.request(
            method, f"/api/v1/users/{user.id}", json=body, headers=headers
        )
        assert_error(response, 403, "forbidden")
    me = await client.get("/api/v1/users/me", headers=headers)
    assert me.json()["data"]["role"] == "user"


async def test_a_role_an_admin_grants_applies_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user, user_headers = await signed_in(app, client, "me@example.com")
    _, admin_headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)
    assert_error(await client.get("/api/v1/users", headers=user_headers), 403, "forbidden")

    response = await client.patch(
        f"/api/v1/users/{user.id}", json={"role": "admin"}, headers=admin_headers
    )

    assert response.json()["data"]["role"] == "admin"
    assert (await client.get("/api/v1/users", headers=user_headers)).status_code == 200


async def test_a_user_may_not_change_or_delete_another(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await add_user(app, "other@example.com")
    _, headers = await signed_in(app, client, "me@example.com")

    patch = await client.patch(f"/api/v1/users/{other.id}", json={"name": "X"}, headers=headers)
    delete = await client.delete(f"/api/v1/users/{other.id}", headers=headers)

    assert_error(patch, 403, "forbidden")
    assert_error(delete, 403, "forbidden")


async def test_validation_comes_before_authentication(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/v1/users/1", json={"unknown": 1})
    assert fields_of(response) == {"unknown"}


async def test_deleting_yourself_ends_your_tokens(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await add_user(app, "me@example.com")
    tokens = await login(client, "me@example.com")

    response = await client.delete(f"/api/v1/users/{user.id}", headers=bearer(tokens))

    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get("/api/v1/users/me", headers=bearer(tokens)), 401, "unauthorized")
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert_error(refresh, 401, "unauthorized")


async def test_an_admin_deletes_a_user_then_it_is_gone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await add_user(app, "other@example.com")
    _, headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)

    assert (await client.delete(f"/api/v1/users/{other.id}", headers=headers)).status_code == 204
    assert_error(await client.get(f"/api/v1/users/{other.id}", headers=headers), 404, "not_found")
    again = await client.delete(f"/api/v1/users/{other.id}", headers=headers)
    assert_error(again, 404, "not_found")
    patch = await client.patch(f"/api/v1/users/{other.id}", json={"name": "X"}, headers=headers)
    assert_error(patch, 404, "not_found")


async def test_a_new_user_never_gets_a_deleted_users_id(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app, "me@example.com")
    old_headers = bearer(await login(client, "me@example.com"))
    await client.delete(f"/api/v1/users/{user.id}", headers=old_headers)

    response = await client.post("/api/v1/users", json={**NEW_USER, "email": "me@example.com"})

    assert response.json()["data"]["id"] != user.id
    assert_error(await client.get("/api/v1/users/me", headers=old_headers), 401, "unauthorized")
