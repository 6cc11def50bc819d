"""/health and /health/ready."""

from collections.abc import Callable

from tests.conftest import PASSWORD, Api, make_account

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


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
    response = api.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"] == {"database": "ok", "cache": "error"}
    assert body["error"]["code"] == "unavailable"


def test_with_redis_down_reads_succeed_and_writes_are_refused_whole(
    api: Api, configure: Callable[..., None]
) -> None:
    dora = make_account("dora@example.com")
    configure(REDIS_URL=UNREACHABLE_REDIS)

    login = api.post("/api/v1/auth/login", {"email": dora.user.email, "password": PASSWORD})
    me = api.get("/api/v1/users/me", token=login.json()["access_token"])
    renamed = api.patch(
        f"/api/v1/users/{dora.id}", {"name": "Never Stored"}, token=dora.access_token
    )
    signed_up = api.post(
        "/api/v1/users",
        {"email": "eve@example.com", "name": "Eve", "password": "a long password"},
    )
    after = api.get("/api/v1/users/me", token=dora.access_token)

    assert (login.status_code, me.status_code) == (200, 200)
    assert "RateLimit-Limit" not in me
    for refused in (renamed, signed_up):
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "unavailable"
    assert after.json()["data"]["name"] == me.json()["data"]["name"]
    assert (
        api.post(
            "/api/v1/auth/login", {"email": "eve@example.com", "password": "a long password"}
        ).status_code
        == 401
    )
