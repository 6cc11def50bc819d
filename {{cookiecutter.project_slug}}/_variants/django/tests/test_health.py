"""/health and /health/ready."""

from collections.abc import Callable

from django.test import override_settings

from tests.conftest import Api

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
BROKEN_REDIS_CACHE = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": UNREACHABLE_REDIS,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


def test_health_says_the_process_is_alive(api: Api) -> None:
    response = api.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_the_database_and_the_cache(api: Api) -> None:
    response = api.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_ready_is_a_503_when_redis_is_unreachable(api: Api, configure: Callable[..., None]) -> None:
    configure(REDIS_URL=UNREACHABLE_REDIS)
    with override_settings(CACHES=BROKEN_REDIS_CACHE):
        response = api.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"] == {"database": "ok", "cache": "error"}
    assert body["error"]["code"] == "unavailable"


def test_requests_still_succeed_from_the_database_when_redis_is_down(
    api: Api, configure: Callable[..., None]
) -> None:
    configure(REDIS_URL=UNREACHABLE_REDIS)
    with override_settings(CACHES=BROKEN_REDIS_CACHE):
        created = api.post(
            "/api/v1/users",
            {"email": "dora@example.com", "name": "Dora", "password": "a long password"},
        )
        login = api.post(
            "/api/v1/auth/login", {"email": "dora@example.com", "password": "a long password"}
        )
        me = api.get("/api/v1/users/me", token=login.json()["access_token"])

    assert (created.status_code, login.status_code, me.status_code) == (201, 200, 200)
    assert "RateLimit-Limit" not in me
