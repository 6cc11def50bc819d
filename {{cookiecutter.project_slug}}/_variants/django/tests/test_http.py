"""What every response shares: the error envelope, X-Request-ID, logs, headers, CORS, docs."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client, override_settings

from app.api import middleware
from app.core.http import CONTENT_SECURITY_POLICY, SECURITY_HEADERS
from app.services.users import UserService
from tests.conftest import Account, Api, error_code


def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    response = api.get("/nowhere")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["request_id"] == response["X-Request-ID"]
    assert "details" not in body["error"]


def test_a_trailing_slash_is_another_route_and_never_a_redirect(api: Api) -> None:
    assert api.get("/health/").status_code == 404
    assert api.post("/api/v1/users/", {}).status_code == 404


def test_a_wrong_method_is_a_405_with_allow(api: Api) -> None:
    response = api.delete("/api/v1/users")

    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert "GET" in response["Allow"]
    assert "POST" in response["Allow"]


OVER_ONE_MEBIBYTE = "x" * (1024 * 1024 + 1)


@pytest.mark.parametrize(
    ("method", "path", "content_type", "raw"),
    [
        ("PUT", "/health", "", ""),
        ("POST", "/health/ready", "text/plain", "hello"),
        ("PATCH", "/api/v1/users", "application/xml", "<user/>"),
        ("POST", "/api/v1/users/me", "", OVER_ONE_MEBIBYTE),
        ("PUT", "/api/v1/auth/login", "application/json", OVER_ONE_MEBIBYTE),
        ("POST", "/api/v1/users/1", "text/plain", OVER_ONE_MEBIBYTE),
    ],
)
def test_a_wrong_method_is_a_405_whatever_the_body(
    api: Api, method: str, path: str, content_type: str, raw: str
) -> None:
    response = api.request(method, path, raw=raw, content_type=content_type)

    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert method not in response["Allow"]


@pytest.mark.parametrize(
    ("method", "path", "content_type", "raw"),
    [
        ("PUT", "/nowhere", "", ""),
        ("POST", "/api/v1/nowhere", "text/plain", "hello"),
        ("PATCH", "/api/v1/users/abc", "", OVER_ONE_MEBIBYTE),
        ("POST", "/api/v1/users/", "application/json", OVER_ONE_MEBIBYTE),
    ],
)
def test_an_unknown_path_is_a_404_whatever_the_body(
    api: Api, method: str, path: str, content_type: str, raw: str
) -> None:
    response = api.request(method, path, raw=raw, content_type=content_type)

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_a_method_the_path_takes_gets_the_body_checks(api: Api) -> None:
    assert api.request("PUT", "/api/v1/users/1", raw="", content_type="").status_code == 415
    too_large = api.request("PATCH", "/api/v1/users/1", raw=OVER_ONE_MEBIBYTE)
    assert too_large.status_code == 413


def test_an_unhandled_exception_is_a_bare_500_logged_with_its_trace(
    api: Api,
    alice: Account,
    monkeypatch: pytest.MonkeyPatch,
    logged: Callable[[], list[dict[str, Any]]],
) -> None:
    def explode(service: UserService, user_id: int) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(UserService, "find", explode)

    response = api.get("/api/v1/users/me", token=alice.access_token)

    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert "secret internals" not in response.content.decode()
    crash = next(line for line in logged() if line["event"] == "unhandled_exception")
    assert crash["request_id"] == body["error"]["request_id"]
    assert "secret internals" in crash["exception"]


def test_a_safe_request_id_is_kept_and_anything_else_replaced(api: Api) -> None:
    kept = api.get("/health", headers={"X-Request-ID": "abc.DEF_123-x"})
    replaced = api.get("/health", headers={"X-Request-ID": "bad id!"})
    too_long = api.get("/health", headers={"X-Request-ID": "a" * 129})

    assert kept["X-Request-ID"] == "abc.DEF_123-x"
    assert replaced["X-Request-ID"] not in ("", "bad id!")
    assert len(too_long["X-Request-ID"]) < 129


def test_each_request_is_logged_as_one_json_line(
    api: Api, logged: Callable[[], list[dict[str, Any]]]
) -> None:
    api.post("/api/v1/auth/login", {"email": "a@example.com", "password": "hunter2hunter2"})

    lines = logged()
    request = next(line for line in lines if line["event"] == "request")
    assert request["method"] == "POST"
    assert request["path"] == "/api/v1/auth/login"
    assert request["status"] == 401
    assert request["duration_ms"] >= 0
    assert request["request_id"]
    assert "hunter2hunter2" not in json.dumps(lines)


def test_production_responses_carry_the_security_headers(
    configure: Callable[..., None],
) -> None:
    configure(
        ENVIRONMENT="production", JWT_SECRET="s" * 48, PASSWORD_HASH_PROFILE="rfc_9106_low_memory"
    )

    response = Client().get("/health")

    for name, value in SECURITY_HEADERS.items():
        assert response[name] == value


def test_development_responses_carry_no_hsts(api: Api) -> None:
    assert "Strict-Transport-Security" not in api.get("/health")


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
def test_cors_allows_only_the_listed_origins(api: Api) -> None:
    allowed = api.get("/health", headers={"Origin": "https://app.example.com"})
    refused = api.get("/health", headers={"Origin": "https://evil.example.com"})
    preflight = api.request(
        "OPTIONS",
        "/api/v1/users",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "X-Request-ID" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Origin" not in preflight


def test_the_openapi_document_describes_every_resource(api: Api) -> None:
    response = api.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) >= {
        "/health",
        "/health/ready",
        "/api/v1/users",
        "/api/v1/users/me",
        "/api/v1/users/{user_id}",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
    }
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    sign_up = document["paths"]["/api/v1/users"]["post"]
    assert "409" in sign_up["responses"]
    assert sign_up["requestBody"]["required"] is True
    assert sign_up["security"] == [{"bearerAuth": []}, {}]
    assert document["components"]["schemas"]["UserCreateRequest"]["additionalProperties"] is False


def test_the_docs_page_is_served_with_its_files(api: Api) -> None:
    response = api.get("/api/v1/docs")
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    files = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(files) == 5
    for url in files:
        assert url.startswith("/api/v1/docs")
        assert api.get(url).status_code == 200
    script = api.get("/api/v1/docs?script=")
    assert script["Content-Type"] == "application/javascript"
    assert b'url: "/api/v1/openapi.json"' in script.content


@pytest.mark.parametrize(
    "path",
    ["/api/v1/docs", "/api/v1/docs/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"],
)
def test_the_docs_page_and_its_files_answer_other_methods_in_the_envelope(
    api: Api, path: str
) -> None:
    response = api.post(path, {})

    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("exception", "status", "code"),
    [
        (SuspiciousOperation("odd request"), 400, "validation_error"),
        (PermissionDenied(), 403, "forbidden"),
        (Http404(), 404, "not_found"),
        (RuntimeError("boom"), 500, "internal_error"),
    ],
)
def test_errors_outside_any_view_are_the_envelope_too(
    api: Api, monkeypatch: pytest.MonkeyPatch, exception: Exception, status: int, code: str
) -> None:
    def fail(request: object) -> None:
        raise exception

    monkeypatch.setattr(middleware, "tiers_of", fail)

    response = api.get("/api/v1/users")

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert error_code(response) == code
    assert "boom" not in response.content.decode()
