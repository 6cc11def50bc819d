"""What every response shares: the error envelope, request ids, CORS, security headers,
the OpenAPI document and the request log."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.core.http import CONTENT_SECURITY_POLICY
from tests.conftest import AppFactory, body, error_of


class TestErrors:
    def test_an_unknown_route_is_a_404_envelope(self, client: FlaskClient) -> None:
        response = client.get("/nowhere")

        assert response.status_code == 404
        assert response.content_type == "application/json"
        assert error_of(response)["code"] == "not_found"

    def test_a_trailing_slash_is_another_route(self, client: FlaskClient) -> None:
        assert client.get("/api/v1/users/").status_code == 404

    def test_a_wrong_method_is_a_405_with_allow(self, client: FlaskClient) -> None:
        response = client.delete("/api/v1/users")

        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"
        assert {"GET", "POST"} <= {
            method.strip() for method in response.headers["Allow"].split(",")
        }

    def test_routing_answers_before_body_checks(self, client: FlaskClient) -> None:
        unknown = client.post("/nowhere", data="x", content_type="text/plain")
        wrong_method = client.put("/api/v1/users", data="x", content_type="text/plain")

        assert unknown.status_code == 404
        assert wrong_method.status_code == 405

    def test_an_unreachable_database_is_a_503(self, make_app: AppFactory, tmp_path: Path) -> None:
        app = make_app(database_url=f"sqlite:///{tmp_path}/missing/dir/app.db")

        response = app.test_client().post(
            "/api/v1/users",
            json={"email": "ann@example.com", "name": "Ann", "password": "a long password"},
        )

        assert response.status_code == 503
        assert error_of(response)["code"] == "unavailable"
        assert "Traceback" not in response.get_data(as_text=True)

    def test_an_unexpected_error_is_a_500_without_details_and_is_logged(
        self, make_app: AppFactory, capsys: pytest.CaptureFixture[str]
    ) -> None:
        app = make_app(log_level="INFO")

        @app.get("/boom")
        def boom() -> str:
            raise RuntimeError("secret internals")

        response = app.test_client().get("/boom", headers={"X-Request-ID": "req-500"})

        assert response.status_code == 500
        error = error_of(response)
        assert error == {
            "code": "internal_error",
            "message": "Internal server error",
            "request_id": "req-500",
        }
        assert "secret internals" not in response.get_data(as_text=True)
        logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        failure = next(entry for entry in logged if entry["event"] == "unhandled_exception")
        assert failure["request_id"] == "req-500" and "secret internals" in failure["exception"]


class TestRequestId:
    def test_a_safe_caller_id_is_kept(self, client: FlaskClient) -> None:
        response = client.get("/health", headers={"X-Request-ID": "abc.DEF_123-x"})

        assert response.headers["X-Request-ID"] == "abc.DEF_123-x"

    @pytest.mark.parametrize("unsafe", ["", "has space", "x" * 129, "semi;colon"])
    def test_an_unsafe_caller_id_is_replaced(self, client: FlaskClient, unsafe: str) -> None:
        response = client.get("/health", headers={"X-Request-ID": unsafe})

        assert response.headers["X-Request-ID"] not in ("", unsafe)

    def test_every_response_has_one(self, client: FlaskClient) -> None:
        assert client.get("/nowhere").headers["X-Request-ID"]


class TestCors:
    ORIGIN = "https://app.example.com"

    def test_a_listed_origin_is_allowed_and_sees_the_exposed_headers(
        self, client: FlaskClient
    ) -> None:
        response = client.get("/health", headers={"Origin": self.ORIGIN})

        assert response.headers["Access-Control-Allow-Origin"] == self.ORIGIN
        assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]

    def test_a_preflight_from_a_listed_origin(self, client: FlaskClient) -> None:
        response = client.options(
            "/api/v1/users",
            headers={
                "Origin": self.ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )

        assert response.headers["Access-Control-Allow-Origin"] == self.ORIGIN
        assert "POST" in response.headers["Access-Control-Allow-Methods"]

    def test_an_unlisted_origin_gets_no_cors_headers(self, client: FlaskClient) -> None:
        for response in (
            client.get("/health", headers={"Origin": "https://evil.example.com"}),
            client.options(
                "/api/v1/users",
                headers={
                    "Origin": "https://evil.example.com",
                    "Access-Control-Request-Method": "POST",
                },
            ),
        ):
            assert not any(name.startswith("Access-Control-") for name, _ in response.headers)

    def test_no_origins_means_no_cors(self, make_app: AppFactory) -> None:
        response = (
            make_app(cors_origins=[]).test_client().get("/health", headers={"Origin": self.ORIGIN})
        )

        assert "Access-Control-Allow-Origin" not in response.headers


class TestSecurityHeaders:
    def test_production_sends_them(self, make_app: AppFactory) -> None:
        app = make_app(environment="production", password_hash_profile="rfc_9106_low_memory")

        for path in ("/health", "/nowhere"):
            headers = app.test_client().get(path).headers
            assert headers["Strict-Transport-Security"].startswith("max-age=")
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["X-Frame-Options"] == "DENY"

    def test_development_does_not(self, client: FlaskClient) -> None:
        assert "Strict-Transport-Security" not in client.get("/health").headers


class TestOpenApi:
    @pytest.fixture
    def document(self, client: FlaskClient) -> dict[str, Any]:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        found: dict[str, Any] = body(response)
        return found

    def test_documents_every_operation(self, document: dict[str, Any]) -> None:
        assert document["openapi"].startswith("3.")
        operations = {(path, method) for path, item in document["paths"].items() for method in item}
        assert operations >= {
            ("/health", "get"),
            ("/health/ready", "get"),
            ("/api/v1/users", "get"),
            ("/api/v1/users", "post"),
            ("/api/v1/users/me", "get"),
            ("/api/v1/users/{user_id}", "get"),
            ("/api/v1/users/{user_id}", "put"),
            ("/api/v1/users/{user_id}", "patch"),
            ("/api/v1/users/{user_id}", "delete"),
            ("/api/v1/auth/login", "post"),
            ("/api/v1/auth/refresh", "post"),
            ("/api/v1/auth/logout", "post"),
        }

    def test_documents_the_bearer_scheme_and_where_it_is_needed(
        self, document: dict[str, Any]
    ) -> None:
        scheme = document["components"]["securitySchemes"]["bearerAuth"]
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
        assert document["paths"]["/api/v1/users/me"]["get"]["security"] == [{"bearerAuth": []}]
        assert document["paths"]["/api/v1/auth/login"]["post"]["security"] == []

    def test_documents_errors_as_400_never_422(self, document: dict[str, Any]) -> None:
        post = document["paths"]["/api/v1/users"]["post"]
        assert {"201", "400", "401", "403", "409", "default"} <= set(post["responses"])
        assert "422" not in json.dumps(document["paths"])

    def test_the_docs_page_is_served_with_its_files(self, client: FlaskClient) -> None:
        response = client.get("/api/v1/docs")
        page = response.get_data(as_text=True)

        assert response.status_code == 200
        assert response.content_type.startswith("text/html")
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert 'data-url="/api/v1/openapi.json"' in page
        files = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert len(files) == 4
        for url in files:
            assert url.startswith("/api/v1/docs/")
            assert client.get(url).status_code == 200


def test_each_request_is_logged_as_one_json_line(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app: Flask = make_app(log_level="INFO")

    app.test_client().post(
        "/api/v1/auth/login",
        json={"email": "ann@example.com", "password": "a secret password"},
        headers={"X-Request-ID": "req-1"},
    )

    output = capsys.readouterr().out
    entry = next(json.loads(line) for line in output.splitlines() if '"request"' in line)
    assert entry["event"] == "request" and entry["request_id"] == "req-1"
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/api/v1/auth/login", 401)
    assert isinstance(entry["duration_ms"], float)
    assert "a secret password" not in output
