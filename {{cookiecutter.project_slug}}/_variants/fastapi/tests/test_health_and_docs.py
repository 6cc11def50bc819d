"""Liveness, readiness and the OpenAPI document."""

import html
import re

import httpx

from app.core.http import CONTENT_SECURITY_POLICY
from app.core.project import PROJECT
from app.main import create_app
from tests.conftest import MakeSettings
from tests.helpers import client_for


async def test_health_touches_nothing_else(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_database_and_cache(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


async def test_ready_is_503_when_the_database_is_unreachable(make_settings: MakeSettings) -> None:
    app = create_app(make_settings(database_url="sqlite:////nonexistent/dir/app.db"))
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"
    assert body["error"]["code"] == "unavailable"
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]


async def test_the_openapi_document_describes_the_contract(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")

    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == PROJECT.name
    assert {"/health", "/health/ready", "/api/v1/users", "/api/v1/users/me"} <= set(
        document["paths"]
    )
    assert "/api/v1/users/{user_id}" in document["paths"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert all("422" not in op["responses"] for op in operations)
    sign_up = document["paths"]["/api/v1/users"]["post"]
    assert {"201", "400", "409", "413", "415", "429"} <= set(sign_up["responses"])
    assert "security" not in sign_up
    assert "security" in document["paths"]["/api/v1/users/me"]["get"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


async def test_the_docs_page_is_served_with_its_files(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert '"url": "/api/v1/openapi.json"' in html.unescape(response.text)
    files = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert len(files) == 4
    for url in files:
        assert url.startswith("/api/v1/docs/static/")
        assert (await client.get(url)).status_code == 200
