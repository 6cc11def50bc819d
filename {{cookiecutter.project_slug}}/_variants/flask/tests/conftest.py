"""Fixtures: a migrated database (SQLite, or TEST_DATABASE_URL), an optional real Redis
(TEST_REDIS_URL), apps built by the real factory, and helpers that act as a client would."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from pydantic import SecretStr
from sqlalchemy import text
from werkzeug.test import TestResponse

from app.api import create_app, shutdown
from app.cli import OPERATOR, upgrade_database
from app.core.domain import Role, User
from app.core.settings import Settings
from app.repositories.database import create_database_engine
from app.wiring import user_service
from tests.rate_limit_windows import one_rate_limit_window  # noqa: F401 (a fixture)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head: the PostgreSQL one of TEST_DATABASE_URL (its tables are
    dropped first) or a fresh SQLite file."""
    if TEST_DATABASE_URL:
        engine = create_database_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(
                text("DROP TABLE IF EXISTS refresh_tokens, users, alembic_version CASCADE")
            )
        engine.dispose()
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade_database(url)
    return url


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with its cheapest parameters: the defaults cost a second per test."""
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "cheapest")


@pytest.fixture(autouse=True)
def _empty_stores(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM refresh_tokens"))
        connection.execute(text("DELETE FROM users"))
    engine.dispose()
    if TEST_REDIS_URL:
        client = redis.Redis.from_url(TEST_REDIS_URL)
        client.flushdb()
        client.close()


def make_settings(test_database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": test_database_url,
        "redis_url": TEST_REDIS_URL,
        "jwt_secret": SecretStr(JWT_SECRET),
        "cors_origins": ["https://app.example.com"],
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(database_url: str) -> Iterator[AppFactory]:
    """Builds an app through create_app() with some settings changed."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(make_settings(database_url, **overrides))
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        shutdown(app)


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class Account:
    """A user as a client knows it: the user, its password and its tokens."""

    user: dict[str, Any]
    password: str
    access_token: str
    refresh_token: str

    @property
    def id(self) -> int:
        user_id: int = self.user["id"]
        return user_id

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(client: FlaskClient, email: str, name: str = "Ann", **extra: Any) -> TestResponse:
    body = {"email": email, "name": name, "password": PASSWORD, **extra}
    return client.post("/api/v1/users", json=body)


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def account(client: FlaskClient, email: str, name: str = "Ann") -> Account:
    created = sign_up(client, email, name)
    assert created.status_code == 201, created.json
    tokens = body(log_in(client, email))
    return Account(body(created)["data"], PASSWORD, tokens["access_token"], tokens["refresh_token"])


def create_admin_user(app: Flask, email: str) -> User:
    """What `create-admin` does, through the app's own wiring (so its cache sees it)."""
    with app.test_request_context():
        return user_service().register(
            email=email, name="Admin", password=PASSWORD, role=Role.ADMIN, actor=OPERATOR
        )


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> Account:
    user = create_admin_user(app, "admin@example.com")
    tokens = body(log_in(client, user.email))
    return Account(user.to_dict(), PASSWORD, tokens["access_token"], tokens["refresh_token"])


@pytest.fixture
def ann(client: FlaskClient) -> Account:
    return account(client, "ann@example.com", "Ann")


@pytest.fixture
def bob(client: FlaskClient) -> Account:
    return account(client, "bob@example.com", "Bob")


def body(response: TestResponse) -> Any:
    """The response's JSON body, whatever its shape."""
    return response.get_json()


def error_of(response: TestResponse) -> dict[str, Any]:
    """The error object of a response, after checking the envelope's shape."""
    envelope = body(response)
    assert isinstance(envelope, dict), response.get_data(as_text=True)
    assert set(envelope) == {"error"}, envelope
    error: dict[str, Any] = envelope["error"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert ("details" in error) == (error["code"] == "validation_error")
    return error


def detail_fields(response: TestResponse) -> set[str]:
    assert response.status_code == 400
    return {detail["field"] for detail in error_of(response)["details"]}


@pytest.fixture
def sqlite_file(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"
