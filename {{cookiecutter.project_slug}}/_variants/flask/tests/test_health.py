"""Liveness and readiness."""

from pathlib import Path

from flask.testing import FlaskClient

from tests.conftest import AppFactory, body

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_alive(client: FlaskClient) -> None:
    response = client.get("/health")

    assert (response.status_code, body(response)) == (200, {"status": "ok"})


def test_ready_when_database_and_cache_answer(client: FlaskClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert body(response) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_not_ready_without_the_database(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app(database_url=f"sqlite:///{tmp_path}/missing/dir/app.db")

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    readiness = body(response)
    assert readiness["status"] == "error"
    assert readiness["checks"] == {"database": "error", "cache": "ok"}
    assert readiness["error"]["code"] == "unavailable"
    assert readiness["error"]["request_id"] == response.headers["X-Request-ID"]


def test_not_ready_without_a_configured_redis(make_app: AppFactory) -> None:
    response = make_app(redis_url=UNREACHABLE_REDIS).test_client().get("/health/ready")

    assert response.status_code == 503
    assert body(response)["checks"] == {"database": "ok", "cache": "error"}
