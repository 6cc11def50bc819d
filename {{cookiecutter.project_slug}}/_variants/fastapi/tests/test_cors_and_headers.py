"""CORS for the listed origins only, and security headers in production."""

import pytest
from fastapi import FastAPI

from app.core.http import SECURITY_HEADERS
from app.core.settings import ConfigurationError, load_settings
from app.main import create_app
from tests.conftest import MakeSettings
from tests.helpers import client_for

ALLOWED = "https://app.example.com"


@pytest.fixture
async def cors_app(make_settings: MakeSettings) -> FastAPI:
    return create_app(make_settings(cors_origins=[ALLOWED]))


async def test_a_listed_origin_may_call_and_read_the_headers(cors_app: FastAPI) -> None:
    async with client_for(cors_app) as client:
        response = await client.get("/nowhere", headers={"Origin": ALLOWED})
        preflight = await client.options(
            "/api/v1/users",
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Content-Type, Authorization",
            },
        )

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]


async def test_another_origin_gets_no_cors_headers(cors_app: FastAPI) -> None:
    async with client_for(cors_app) as client:
        simple = await client.get("/health", headers={"Origin": "https://evil.example"})
        preflight = await client.options(
            "/api/v1/users",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )

    for response in (simple, preflight):
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


async def test_production_adds_the_security_headers(make_settings: MakeSettings) -> None:
    production = create_app(
        make_settings(environment="production", password_hash_profile="rfc_9106_low_memory")
    )
    development = create_app(make_settings())
    async with client_for(production) as client:
        secured = await client.get("/nowhere")
    async with client_for(development) as client:
        plain = await client.get("/health")

    for name, value in SECURITY_HEADERS.items():
        assert secured.headers[name] == value
        assert name not in plain.headers


def test_production_refuses_a_wildcard_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("JWT_SECRET", "s" * 48)
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, *")
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS"):
        load_settings()
