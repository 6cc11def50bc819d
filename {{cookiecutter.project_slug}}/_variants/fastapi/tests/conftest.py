"""A real database for every test: SQLite in a temporary file by default, or PostgreSQL
and Redis when TEST_DATABASE_URL and TEST_REDIS_URL name them (the tables of that database
are dropped and recreated, and that Redis database is flushed)."""

import importlib.util
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.cli import migrate
from app.core.settings import Settings
from app.database_url import sqlalchemy_url
from app.main import create_app
from app.models import Base
from tests.helpers import SECRET, client_for
from tests.rate_limit_windows import one_rate_limit_window  # noqa: F401 (a fixture)

# High enough that no test but the rate-limit tests meets a limit.
GENEROUS = {
    "rate_limit_per_ip": 100_000,
    "rate_limit_per_user": 100_000,
    "rate_limit_login": 100_000,
}

MakeSettings = Callable[..., Settings]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database, migrated to head once: Alembic's migrations are under test too."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    migrate(Settings(_env_file=None, database_url=url, jwt_secret=SECRET))
    return url


@pytest.fixture(scope="session")
def sync_engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(sqlalchemy_url(database_url))
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with its cheapest parameters: the defaults cost a second per test."""
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "cheapest")


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """TEST_REDIS_URL, when this project has the Redis client installed."""
    url = os.environ.get("TEST_REDIS_URL")
    return url if url and importlib.util.find_spec("redis") else None


@pytest.fixture(autouse=True)
def _clean_state(sync_engine: Engine, redis_url: str | None) -> None:
    with sync_engine.begin() as connection:
        connection.execute(text("DELETE FROM refresh_tokens"))
        connection.execute(text("DELETE FROM users"))
    if redis_url:
        import redis

        with redis.Redis.from_url(redis_url) as client:
            client.flushdb()


@pytest.fixture
def make_settings(database_url: str, redis_url: str | None) -> MakeSettings:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": database_url,
            "redis_url": redis_url,
            "jwt_secret": SECRET,
            **GENEROUS,
            **overrides,
        }
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
