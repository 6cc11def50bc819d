"""The users resource, through the HTTP API, as the contract describes it."""

import io
import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import (
    PASSWORD,
    Account,
    account,
    bearer,
    body,
    detail_fields,
    error_of,
    log_in,
    sign_up,
)

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


class TestSignUp:
    def test_creates_a_user_with_a_location(self, client: FlaskClient) -> None:
        response = sign_up(client, "Ann@Example.COM", name="  Ann Lee  ")

        assert response.status_code == 201
        user = body(response)["data"]
        assert set(user) == {"id", "email", "name", "role", "created_at", "updated_at"}
        assert user["email"] == "ann@example.com"
        assert user["name"] == "Ann Lee"
        assert user["role"] == "user"
        assert TIMESTAMP.match(user["created_at"]) and TIMESTAMP.match(user["updated_at"])
        assert response.headers["Location"] == f"/api/v1/users/{user['id']}"

    def test_never_returns_the_password(self, client: FlaskClient) -> None:
        text = sign_up(client, "ann@example.com").get_data(as_text=True)

        assert PASSWORD not in text and "password" not in text and "argon2" not in text

    def test_a_taken_email_is_a_conflict_whatever_its_case(self, client: FlaskClient) -> None:
        sign_up(client, "ann@example.com")

        response = sign_up(client, "ANN@example.com")

        assert response.status_code == 409
        assert error_of(response)["code"] == "conflict"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"email": "not-an-email", "name": "Ann", "password": PASSWORD}, "email"),
            ({"email": 42, "name": "Ann", "password": PASSWORD}, "email"),
            ({"email": "ann@example.com", "name": "   ", "password": PASSWORD}, "name"),
            ({"email": "ann@example.com", "name": "x" * 101, "password": PASSWORD}, "name"),
            ({"email": "ann@example.com", "name": "nul\x00byte", "password": PASSWORD}, "name"),
            ({"email": "ann@example.com", "name": "tab\there", "password": PASSWORD}, "name"),
            ({"email": "ann@example.com", "name": "Ann", "password": "short"}, "password"),
            ({"email": "ann@example.com", "name": "Ann", "password": "x" * 129}, "password"),
            ({"email": "ann@example.com", "name": "Ann", "password": None}, "password"),
            ({"email": "ann@example.com", "name": "Ann"}, "password"),
            (
                {"email": "ann@example.com", "name": "Ann", "password": PASSWORD, "admin": True},
                "admin",
            ),
            (
                {"email": "ann@example.com", "name": "Ann", "password": PASSWORD, "role": "boss"},
                "role",
            ),
        ],
    )
    def test_an_invalid_field_is_a_400_naming_it(
        self, client: FlaskClient, body: dict[str, object], field: str
    ) -> None:
        response = client.post("/api/v1/users", json=body)

        assert error_of(response)["code"] == "validation_error"
        assert detail_fields(response) == {field}

    @pytest.mark.parametrize("raw", ["{not json", "", "[]", '"text"', "null", "\xff"])
    def test_a_body_that_is_not_a_json_object_is_a_400_on_body(
        self, client: FlaskClient, raw: str
    ) -> None:
        response = client.post(
            "/api/v1/users", data=raw.encode("latin-1"), content_type="application/json"
        )

        assert detail_fields(response) == {"body"}

    @pytest.mark.parametrize(
        "content_type", [None, "text/plain", "application/x-www-form-urlencoded"]
    )
    def test_a_body_that_is_not_json_is_a_415(
        self, client: FlaskClient, content_type: str | None
    ) -> None:
        response = client.post(
            "/api/v1/users", data='{"email": "a@example.com"}', content_type=content_type
        )

        assert response.status_code == 415
        assert error_of(response)["code"] == "unsupported_media_type"

    def test_json_with_a_charset_is_json(self, client: FlaskClient) -> None:
        response = client.post(
            "/api/v1/users",
            data='{"email": "ann@example.com", "name": "Ann", "password": "correct horse battery"}',
            content_type="application/json; charset=utf-8",
        )

        assert response.status_code == 201

    def test_a_body_over_one_mebibyte_is_a_413(self, client: FlaskClient) -> None:
        response = client.post(
            "/api/v1/users",
            data='{"name": "' + "x" * (1024 * 1024) + '"}',
            content_type="application/json",
        )

        assert response.status_code == 413
        assert error_of(response)["code"] == "payload_too_large"

    @pytest.mark.parametrize("size", [1024 * 1024 + 1, 2 * 1024 * 1024])
    def test_a_chunked_body_over_one_mebibyte_is_a_413(
        self, client: FlaskClient, size: int
    ) -> None:
        response = client.post(
            "/api/v1/users",
            input_stream=io.BytesIO(b'{"name": "' + b"x" * size + b'"}'),
            content_type="application/json",
            environ_overrides={"wsgi.input_terminated": True},
        )

        assert response.status_code == 413

    def test_a_chunked_body_of_one_mebibyte_is_read(self, client: FlaskClient) -> None:
        filler = b"x" * (1024 * 1024 - len(b'{"name": ""}'))
        response = client.post(
            "/api/v1/users",
            input_stream=io.BytesIO(b'{"name": "' + filler + b'"}'),
            content_type="application/json",
            environ_overrides={"wsgi.input_terminated": True},
        )

        assert detail_fields(response) == {"email", "name", "password"}

    def test_a_role_from_anyone_but_an_admin_is_forbidden(
        self, client: FlaskClient, ann: Account
    ) -> None:
        anonymous = sign_up(client, "eve@example.com", role="admin")
        signed_in = client.post(
            "/api/v1/users",
            json={"email": "eve@example.com", "name": "Eve", "password": PASSWORD, "role": "user"},
            headers=ann.headers,
        )

        assert anonymous.status_code == 403 and error_of(anonymous)["code"] == "forbidden"
        assert signed_in.status_code == 403

    def test_an_admin_may_create_an_admin(self, client: FlaskClient, admin: Account) -> None:
        response = client.post(
            "/api/v1/users",
            json={
                "email": "root@example.com",
                "name": "Root",
                "password": PASSWORD,
                "role": "admin",
            },
            headers=admin.headers,
        )

        assert response.status_code == 201
        assert body(response)["data"]["role"] == "admin"

    def test_an_invalid_token_on_sign_up_is_a_401(self, client: FlaskClient) -> None:
        response = client.post(
            "/api/v1/users",
            json={"email": "ann@example.com", "name": "Ann", "password": PASSWORD},
            headers=bearer("not-a-token"),
        )

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"

    def test_validation_comes_before_authentication(self, client: FlaskClient) -> None:
        response = client.post("/api/v1/users", json={"email": "x"}, headers=bearer("bad"))

        assert detail_fields(response) == {"email", "name", "password"}


class TestReading:
    def test_me_is_the_signed_in_user(self, client: FlaskClient, ann: Account) -> None:
        response = client.get("/api/v1/users/me", headers=ann.headers)

        assert response.status_code == 200
        assert body(response) == {"data": ann.user}

    def test_a_user_reads_itself(self, client: FlaskClient, ann: Account) -> None:
        response = client.get(f"/api/v1/users/{ann.id}", headers=ann.headers)

        assert body(response) == {"data": ann.user}

    def test_a_user_may_not_read_another_whether_or_not_it_exists(
        self, client: FlaskClient, ann: Account, bob: Account
    ) -> None:
        for user_id in (bob.id, bob.id + 1000):
            response = client.get(f"/api/v1/users/{user_id}", headers=ann.headers)
            assert response.status_code == 403
            assert error_of(response)["code"] == "forbidden"

    def test_an_admin_reads_anyone_and_gets_404_for_no_one(
        self, client: FlaskClient, admin: Account, ann: Account
    ) -> None:
        assert client.get(f"/api/v1/users/{ann.id}", headers=admin.headers).status_code == 200
        missing = client.get(f"/api/v1/users/{ann.id + 1000}", headers=admin.headers)
        assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"

    @pytest.mark.parametrize(
        "user_id", ["abc", "0", "-1", "1.5", str(2**63), "99999999999999999999999"]
    )
    def test_an_id_that_is_not_a_positive_64_bit_integer_is_a_404(
        self, client: FlaskClient, admin: Account, user_id: str
    ) -> None:
        response = client.get(f"/api/v1/users/{user_id}", headers=admin.headers)

        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    @pytest.mark.parametrize("path", ["/api/v1/users/me", "/api/v1/users/1", "/api/v1/users"])
    def test_reading_needs_a_token(self, client: FlaskClient, path: str) -> None:
        response = client.get(path)

        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert error_of(response)["code"] == "unauthorized"


class TestListing:
    def test_only_admins_list(self, client: FlaskClient, ann: Account) -> None:
        assert client.get("/api/v1/users", headers=ann.headers).status_code == 403

    def test_lists_newest_first_with_pagination(self, client: FlaskClient, admin: Account) -> None:
        for index in range(3):
            sign_up(client, f"user{index}@example.com", name=f"User {index}")

        response = client.get("/api/v1/users?page=1&limit=2&unknown=ignored", headers=admin.headers)

        assert response.status_code == 200
        page = body(response)
        assert page["pagination"] == {"page": 1, "limit": 2, "total": 4}
        assert [user["email"] for user in page["data"]] == [
            "user2@example.com",
            "user1@example.com",
        ]
        second = body(client.get("/api/v1/users?page=2&limit=2", headers=admin.headers))
        assert [user["email"] for user in second["data"]] == [
            "user0@example.com",
            "admin@example.com",
        ]

    def test_defaults(self, client: FlaskClient, admin: Account) -> None:
        page = body(client.get("/api/v1/users", headers=admin.headers))

        assert page["pagination"] == {"page": 1, "limit": 20, "total": 1}

    def test_search_matches_name_or_email_case_insensitively(
        self, client: FlaskClient, admin: Account
    ) -> None:
        sign_up(client, "ann@example.com", name="Ann Lee")
        sign_up(client, "joanna@example.com", name="Jo")
        sign_up(client, "bob@example.com", name="Bob")

        page = body(client.get("/api/v1/users?search=AN", headers=admin.headers))

        assert {user["email"] for user in page["data"]} == {
            "ann@example.com",
            "joanna@example.com",
        }

    def test_search_takes_percent_and_underscore_literally(
        self, client: FlaskClient, admin: Account
    ) -> None:
        sign_up(client, "ann@example.com", name="100% Ann")
        sign_up(client, "under_score@example.com", name="Under")
        sign_up(client, "bob@example.com", name="Bob")

        percent = body(client.get("/api/v1/users?search=%25", headers=admin.headers))
        underscore = body(client.get("/api/v1/users?search=_", headers=admin.headers))

        assert [user["email"] for user in percent["data"]] == ["ann@example.com"]
        assert [user["email"] for user in underscore["data"]] == ["under_score@example.com"]

    @pytest.mark.parametrize(
        "search", ["' OR 1=1 --", "\\", "'; DROP TABLE users; --", '"', "nul\x00byte"]
    )
    def test_sql_metacharacters_are_just_text(
        self, client: FlaskClient, admin: Account, search: str
    ) -> None:
        response = client.get(
            "/api/v1/users", query_string={"search": search}, headers=admin.headers
        )

        assert response.status_code == 200
        assert body(response)["data"] == []
        assert body(client.get("/api/v1/users", headers=admin.headers))["pagination"]["total"] == 1

    def test_an_empty_search_filters_nothing(self, client: FlaskClient, admin: Account) -> None:
        page = body(client.get("/api/v1/users?search=", headers=admin.headers))

        assert page["pagination"]["total"] == 1

    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ("page=0", "page"),
            ("page=abc", "page"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=1.5", "limit"),
            ("search=" + "x" * 101, "search"),
        ],
    )
    def test_a_bad_query_value_is_a_400_naming_it(
        self, client: FlaskClient, admin: Account, query: str, field: str
    ) -> None:
        response = client.get(f"/api/v1/users?{query}", headers=admin.headers)

        assert detail_fields(response) == {field}


class TestWriting:
    def test_put_replaces_every_writable_field(self, client: FlaskClient, ann: Account) -> None:
        response = client.put(
            f"/api/v1/users/{ann.id}",
            json={"email": "Anna@Example.com", "name": "Anna", "password": "a new long password"},
            headers=ann.headers,
        )

        assert response.status_code == 200
        user = body(response)["data"]
        assert (user["email"], user["name"], user["role"]) == ("anna@example.com", "Anna", "user")
        assert user["updated_at"] >= ann.user["updated_at"]
        assert log_in(client, "anna@example.com", "a new long password").status_code == 200
        assert log_in(client, "anna@example.com").status_code == 401

    def test_a_new_password_revokes_every_refresh_token_family(
        self, client: FlaskClient, ann: Account
    ) -> None:
        families = [ann.refresh_token, body(log_in(client, ann.user["email"]))["refresh_token"]]

        response = client.patch(
            f"/api/v1/users/{ann.id}", json={"password": "a new long password"}, headers=ann.headers
        )

        assert response.status_code == 200
        for refresh_token in families:
            refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
            assert refreshed.status_code == 401

    def test_put_needs_every_writable_field(self, client: FlaskClient, ann: Account) -> None:
        response = client.put(f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers)

        assert detail_fields(response) == {"email", "password"}

    def test_patch_changes_only_what_it_holds(self, client: FlaskClient, ann: Account) -> None:
        response = client.patch(
            f"/api/v1/users/{ann.id}", json={"name": "Anna"}, headers=ann.headers
        )

        assert response.status_code == 200
        assert body(response)["data"]["name"] == "Anna"
        assert body(response)["data"]["email"] == ann.user["email"]

    def test_an_empty_patch_is_a_400(self, client: FlaskClient, ann: Account) -> None:
        response = client.patch(f"/api/v1/users/{ann.id}", json={}, headers=ann.headers)

        assert detail_fields(response) == {"body"}

    def test_changing_to_a_taken_email_is_a_conflict(
        self, client: FlaskClient, ann: Account, bob: Account
    ) -> None:
        response = client.patch(
            f"/api/v1/users/{ann.id}", json={"email": "BOB@example.com"}, headers=ann.headers
        )

        assert response.status_code == 409

    def test_a_user_may_not_change_its_own_role(self, client: FlaskClient, ann: Account) -> None:
        response = client.patch(
            f"/api/v1/users/{ann.id}", json={"role": "admin"}, headers=ann.headers
        )

        assert response.status_code == 403
        assert body(client.get("/api/v1/users/me", headers=ann.headers))["data"]["role"] == "user"

    def test_a_user_may_not_change_another(
        self, client: FlaskClient, ann: Account, bob: Account
    ) -> None:
        assert (
            client.patch(
                f"/api/v1/users/{bob.id}", json={"name": "X"}, headers=ann.headers
            ).status_code
            == 403
        )
        assert client.delete(f"/api/v1/users/{bob.id}", headers=ann.headers).status_code == 403

    def test_an_admin_changes_a_role_and_it_applies_at_once(
        self, client: FlaskClient, admin: Account, ann: Account
    ) -> None:
        response = client.patch(
            f"/api/v1/users/{ann.id}", json={"role": "admin"}, headers=admin.headers
        )

        assert body(response)["data"]["role"] == "admin"
        assert client.get("/api/v1/users", headers=ann.headers).status_code == 200

    def test_an_admin_writing_an_unknown_id_gets_404(
        self, client: FlaskClient, admin: Account
    ) -> None:
        response = client.patch("/api/v1/users/987654", json={"name": "X"}, headers=admin.headers)

        assert response.status_code == 404

    def test_writing_needs_a_token(self, client: FlaskClient, ann: Account) -> None:
        assert client.patch(f"/api/v1/users/{ann.id}", json={"name": "X"}).status_code == 401
        assert client.delete(f"/api/v1/users/{ann.id}").status_code == 401


class TestDeleting:
    def test_delete_answers_204_with_no_body_and_the_user_is_gone(
        self, client: FlaskClient, admin: Account, ann: Account
    ) -> None:
        response = client.delete(f"/api/v1/users/{ann.id}", headers=ann.headers)

        assert response.status_code == 204
        assert response.get_data() == b""
        assert client.get(f"/api/v1/users/{ann.id}", headers=admin.headers).status_code == 404

    def test_the_users_tokens_die_with_it(self, client: FlaskClient, ann: Account) -> None:
        client.delete(f"/api/v1/users/{ann.id}", headers=ann.headers)

        assert client.get("/api/v1/users/me", headers=ann.headers).status_code == 401
        refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": ann.refresh_token})
        assert refreshed.status_code == 401

    def test_an_admin_deletes_anyone(
        self, client: FlaskClient, admin: Account, ann: Account
    ) -> None:
        assert client.delete(f"/api/v1/users/{ann.id}", headers=admin.headers).status_code == 204
        assert client.delete(f"/api/v1/users/{ann.id}", headers=admin.headers).status_code == 404

    def test_a_deleted_email_can_sign_up_again(self, client: FlaskClient, ann: Account) -> None:
        client.delete(f"/api/v1/users/{ann.id}", headers=ann.headers)

        assert account(client, "ann@example.com").id != ann.id
