"""/api/v1/users: sign-up, reads, writes, deletion and who may do what."""

import pytest

from app.core.domain import Role
from tests.conftest import PASSWORD, Account, Api, error_code, error_fields

USERS = "/api/v1/users"
NEW_USER = {"email": "Carol@Example.COM", "name": "  Carol  ", "password": PASSWORD}


def test_sign_up_answers_201_with_the_user_and_its_location(api: Api) -> None:
    response = api.post(USERS, NEW_USER)

    assert response.status_code == 201
    user = response.json()["data"]
    assert response["Location"] == f"{USERS}/{user['id']}"
    assert user["email"] == "carol@example.com"
    assert user["name"] == "Carol"
    assert user["role"] == "user"
    assert set(user) == {"id", "email", "name", "role", "created_at", "updated_at"}
    assert user["created_at"].endswith("Z")


def test_a_response_never_carries_a_password_or_its_hash(api: Api) -> None:
    body = api.post(USERS, NEW_USER).content.decode()

    assert PASSWORD not in body
    assert "password" not in body
    assert "argon2" not in body


def test_an_email_is_taken_whatever_its_case(api: Api, alice: Account) -> None:
    response = api.post(USERS, {**NEW_USER, "email": "ALICE@example.com"})

    assert response.status_code == 409
    assert error_code(response) == "conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_USER, "email": "not-an-address"}, "email"),
        ({**NEW_USER, "name": "   "}, "name"),
        ({**NEW_USER, "name": "x" * 101}, "name"),
        ({**NEW_USER, "name": "nul\x00byte"}, "name"),
        ({**NEW_USER, "name": "tab\there"}, "name"),
        ({**NEW_USER, "email": "nul\x00@example.com"}, "email"),
        ({**NEW_USER, "password": "short"}, "password"),
        ({**NEW_USER, "password": "x" * 129}, "password"),
        ({**NEW_USER, "name": 42}, "name"),
        ({**NEW_USER, "email": None}, "email"),
        ({**NEW_USER, "role": "superuser"}, "role"),
        ({**NEW_USER, "is_admin": True}, "is_admin"),
        ({"name": "Carol", "password": PASSWORD}, "email"),
    ],
)
def test_an_invalid_sign_up_is_a_400_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    response = api.post(USERS, body)

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert error_fields(response) == {field}


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "null", ""])
def test_a_body_that_is_not_a_json_object_is_a_400_about_the_body(api: Api, raw: str) -> None:
    response = api.post(USERS, raw=raw)

    assert response.status_code == 400
    assert error_fields(response) == {"body"}


@pytest.mark.parametrize("name", ["nul\x00byte", "bell\x07", "line\nbreak", "trailing\n"])
def test_a_name_with_a_control_character_is_refused_by_the_shared_rule(
    api: Api, alice: Account, name: str
) -> None:
    sign_up = api.post(USERS, {**NEW_USER, "name": name})
    change = api.patch(f"{USERS}/{alice.id}", {"name": name}, token=alice.access_token)

    for response in (sign_up, change):
        assert response.status_code == 400
        assert response.json()["error"]["details"] == [
            {"field": "name", "message": "must not contain control characters"}
        ]


SIGN_UP_START = '{"email": "carol@example.com", "password": "correct horse battery staple", '


@pytest.mark.parametrize(
    "raw",
    [
        '{"\\ud800": 1}',
        SIGN_UP_START + '"name": "Carol \\udc00"}',
        SIGN_UP_START + '"name": "Carol", "role": "\\ud800"}',
        SIGN_UP_START + '"name": "Carol", "extra": ["\\udfff"]}',
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
    ],
    ids=["key", "value", "choice", "nested", "deep-array", "deep-object"],
)
def test_a_body_python_cannot_hold_as_unicode_or_nest_is_a_400_about_the_body(
    api: Api, raw: str
) -> None:
    for path in (USERS, "/api/v1/auth/login"):
        response = api.post(path, raw=raw)

        assert response.status_code == 400
        assert error_fields(response) == {"body"}


def test_an_escaped_surrogate_pair_is_one_character(api: Api) -> None:
    response = api.post(USERS, raw=SIGN_UP_START + '"name": "Carol \\ud83d\\ude00"}')

    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Carol \U0001f600"


def test_a_body_that_is_not_json_is_a_415(api: Api) -> None:
    response = api.post(USERS, raw="email=a@b.c", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


def test_json_with_a_charset_is_json(api: Api) -> None:
    response = api.post(USERS, NEW_USER, content_type="application/json; charset=utf-8")

    assert response.status_code == 201


def test_a_body_over_one_mebibyte_is_a_413(api: Api) -> None:
    response = api.post(USERS, {**NEW_USER, "name": "x" * (1024 * 1024)})

    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


def test_anyone_else_sending_a_role_at_sign_up_gets_403(api: Api, alice: Account) -> None:
    anonymous = api.post(USERS, {**NEW_USER, "role": "admin"})
    signed_in = api.post(USERS, {**NEW_USER, "role": "user"}, token=alice.access_token)

    assert anonymous.status_code == 403
    assert signed_in.status_code == 403
    assert error_code(anonymous) == "forbidden"


def test_an_admin_may_sign_up_an_admin(api: Api, admin: Account) -> None:
    response = api.post(USERS, {**NEW_USER, "role": "admin"}, token=admin.access_token)

    assert response.status_code == 201
    assert response.json()["data"]["role"] == "admin"


def test_a_sign_up_with_a_bad_token_is_a_401(api: Api) -> None:
    response = api.post(USERS, NEW_USER, token="not-a-token")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_validation_comes_before_authentication(api: Api) -> None:
    response = api.patch(f"{USERS}/1", {"email": "nope"})

    assert response.status_code == 400
    assert error_fields(response) == {"email"}


def test_me_is_the_signed_in_user(api: Api, alice: Account) -> None:
    response = api.get(f"{USERS}/me", token=alice.access_token)

    assert response.status_code == 200
    assert response.json()["data"]["email"] == "alice@example.com"


def test_me_needs_a_token(api: Api) -> None:
    response = api.get(f"{USERS}/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert error_code(response) == "unauthorized"


def test_a_user_reads_itself(api: Api, alice: Account) -> None:
    response = api.get(f"{USERS}/{alice.id}", token=alice.access_token)

    assert response.status_code == 200
    assert response.json()["data"]["id"] == alice.id


def test_a_user_may_not_read_another_whether_or_not_it_exists(
    api: Api, alice: Account, bob: Account
) -> None:
    existing = api.get(f"{USERS}/{bob.id}", token=alice.access_token)
    missing = api.get(f"{USERS}/999999", token=alice.access_token)

    assert existing.status_code == 403
    assert missing.status_code == 403


def test_an_admin_reads_anyone_and_gets_404_for_no_one(
    api: Api, admin: Account, bob: Account
) -> None:
    assert api.get(f"{USERS}/{bob.id}", token=admin.access_token).status_code == 200
    missing = api.get(f"{USERS}/999999", token=admin.access_token)
    assert missing.status_code == 404
    assert error_code(missing) == "not_found"


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1.5", str(2**63), "9" * 30])
def test_an_id_that_is_not_a_positive_64_bit_integer_is_a_404(
    api: Api, admin: Account, user_id: str
) -> None:
    response = api.get(f"{USERS}/{user_id}", token=admin.access_token)

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_put_replaces_every_writable_field(api: Api, alice: Account) -> None:
    body = {"email": "alice2@example.com", "name": "Alice Two", "password": "another password!"}
    response = api.put(f"{USERS}/{alice.id}", body, token=alice.access_token)

    assert response.status_code == 200
    assert response.json()["data"]["email"] == "alice2@example.com"
    login = {"email": "alice2@example.com", "password": "another password!"}
    assert api.post("/api/v1/auth/login", login).status_code == 200


def test_put_needs_every_writable_field(api: Api, alice: Account) -> None:
    response = api.put(f"{USERS}/{alice.id}", {"name": "Alice"}, token=alice.access_token)

    assert response.status_code == 400
    assert error_fields(response) == {"email", "password"}


def test_patch_changes_only_what_it_holds(api: Api, alice: Account) -> None:
    response = api.patch(f"{USERS}/{alice.id}", {"name": "Ally"}, token=alice.access_token)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["email"]) == ("Ally", "alice@example.com")
    assert data["updated_at"] >= data["created_at"]


def test_patch_with_an_empty_object_is_a_400(api: Api, alice: Account) -> None:
    response = api.patch(f"{USERS}/{alice.id}", {}, token=alice.access_token)

    assert response.status_code == 400
    assert error_fields(response) == {"body"}


def test_a_new_password_replaces_the_old_one(api: Api, alice: Account) -> None:
    api.patch(f"{USERS}/{alice.id}", {"password": "a brand new secret"}, token=alice.access_token)

    old = api.post("/api/v1/auth/login", {"email": "alice@example.com", "password": PASSWORD})
    new = api.post(
        "/api/v1/auth/login", {"email": "alice@example.com", "password": "a brand new secret"}
    )
    assert (old.status_code, new.status_code) == (401, 200)


def test_a_new_password_revokes_every_refresh_token_family(api: Api, alice: Account) -> None:
    another = api.post("/api/v1/auth/login", {"email": "alice@example.com", "password": PASSWORD})
    families = [alice.refresh_token, another.json()["refresh_token"]]

    changed = api.patch(
        f"{USERS}/{alice.id}", {"password": "a brand new secret"}, token=alice.access_token
    )

    assert changed.status_code == 200
    for refresh_token in families:
        refresh = api.post("/api/v1/auth/refresh", {"refresh_token": refresh_token})
        assert refresh.status_code == 401


def test_changing_to_a_taken_email_is_a_409(api: Api, alice: Account, bob: Account) -> None:
    response = api.patch(
        f"{USERS}/{alice.id}", {"email": "BOB@example.com"}, token=alice.access_token
    )

    assert response.status_code == 409


def test_a_user_may_not_change_another(api: Api, alice: Account, bob: Account) -> None:
    response = api.patch(f"{USERS}/{bob.id}", {"name": "Mallory"}, token=alice.access_token)

    assert response.status_code == 403


def test_a_user_may_not_escalate_its_own_role(api: Api, alice: Account) -> None:
    patch = api.patch(f"{USERS}/{alice.id}", {"role": "admin"}, token=alice.access_token)
    put = api.put(
        f"{USERS}/{alice.id}",
        {"email": "alice@example.com", "name": "A", "password": PASSWORD, "role": "admin"},
        token=alice.access_token,
    )

    assert (patch.status_code, put.status_code) == (403, 403)
    me = api.get(f"{USERS}/me", token=alice.access_token)
    assert me.json()["data"]["role"] == "user"


def test_a_role_an_admin_grants_applies_at_once(api: Api, admin: Account, alice: Account) -> None:
    assert api.get(USERS, token=alice.access_token).status_code == 403

    response = api.patch(f"{USERS}/{alice.id}", {"role": "admin"}, token=admin.access_token)

    assert response.json()["data"]["role"] == Role.ADMIN.value
    assert api.get(USERS, token=alice.access_token).status_code == 200


def test_delete_answers_204_and_the_token_dies_with_the_user(api: Api, alice: Account) -> None:
    response = api.delete(f"{USERS}/{alice.id}", token=alice.access_token)

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"{USERS}/me", token=alice.access_token).status_code == 401
    refresh = api.post("/api/v1/auth/refresh", {"refresh_token": alice.refresh_token})
    assert refresh.status_code == 401


def test_a_user_may_not_delete_another(api: Api, alice: Account, bob: Account) -> None:
    assert api.delete(f"{USERS}/{bob.id}", token=alice.access_token).status_code == 403
    assert api.get(f"{USERS}/me", token=bob.access_token).status_code == 200


def test_an_admin_deleting_no_one_gets_404(api: Api, admin: Account) -> None:
    assert api.delete(f"{USERS}/999999", token=admin.access_token).status_code == 404


def test_sql_metacharacters_are_only_data(api: Api, admin: Account) -> None:
    name = "Robert'); DROP TABLE users;--"
    created = api.post(USERS, {**NEW_USER, "name": name})
    listed = api.get(USERS, token=admin.access_token)
    searched = api.get(f"{USERS}?search=' OR 1=1 --", token=admin.access_token)

    assert created.json()["data"]["name"] == name
    assert listed.json()["pagination"]["total"] == 2
    assert searched.json()["pagination"]["total"] == 0
