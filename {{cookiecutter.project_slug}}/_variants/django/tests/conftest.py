"""Fixtures: a clean database, cache and rate-limit state for every test, an HTTP client
that speaks JSON, and users to act as."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import redis
from django.test import Client

from app.core.domain import Principal, Role, User
from app.core.settings import get_settings
from app.wiring import components, services
from tests.rate_limit_windows import one_rate_limit_window  # noqa: F401 (a fixture)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PASSWORD = "correct horse battery staple"
ADMIN = Principal(user_id=0, role=Role.ADMIN)


def reset_state() -> None:
    get_settings.cache_clear()
    components.cache_clear()
    # The suite's own Redis, whatever a test has set REDIS_URL to.
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        with redis.Redis.from_url(redis_url) as client:
            client.flushdb()


@pytest.fixture(autouse=True)
def clean_state(db: None) -> Iterator[None]:
    reset_state()
    yield
    reset_state()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Sets environment variables as a deployment would, and reloads settings and services."""

    def apply(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        components.cache_clear()

    return apply


class Api:
    """Django's test client, speaking JSON and carrying bearer tokens."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        raw: bytes | str | None = None,
    ) -> TestResponse:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else "")
        # CONTENT_TYPE also when the body is empty, which Django's client would leave out.
        return self.client.generic(
            method,
            path,
            data=data,
            content_type=content_type,
            headers=all_headers,
            CONTENT_TYPE=content_type,
        )

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api() -> Api:
    return Api(Client(raise_request_exception=False))


@dataclass(frozen=True)
class Account:
    user: User
    access_token: str
    refresh_token: str

    @property
    def id(self) -> int:
        return self.user.id


def make_account(email: str, role: Role = Role.USER, name: str = "Someone") -> Account:
    user = services().users.register(
        email=email,
        name=name,
        password=PASSWORD,
        role=role if role is Role.ADMIN else None,
        actor=ADMIN if role is Role.ADMIN else None,
    )
    pair = services().auth.login(email, PASSWORD)
    return Account(user, pair.access_token, pair.refresh_token)


@pytest.fixture
def alice() -> Account:
    return make_account("alice@example.com", name="Alice")


@pytest.fixture
def bob() -> Account:
    return make_account("bob@example.com", name="Bob")


@pytest.fixture
def admin() -> Account:
    return make_account("admin@example.com", Role.ADMIN, name="Admin")


def error_code(response: TestResponse) -> str:
    return str(response.json()["error"]["code"])


def error_fields(response: TestResponse) -> set[str]:
    return {detail["field"] for detail in response.json()["error"]["details"]}


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    """The log lines written so far, as the JSON objects the root handler writes."""
    caplog.set_level(logging.INFO)

    def lines() -> list[dict[str, Any]]:
        formatter = logging.getLogger().handlers[0].formatter
        assert formatter is not None
        return [json.loads(formatter.format(record)) for record in caplog.records]

    return lines
