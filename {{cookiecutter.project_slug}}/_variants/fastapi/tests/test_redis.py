"""Redis: shared state between processes, and failing open when it is gone."""

import json
import os

import httpx
import pytest

from app.core.domain import Role
from app.main import create_app
from app.repositories.users import SqlUserRepository
from tests.conftest import MakeSettings
from tests.helpers import (
    PASSWORD,
    add_user,
    assert_error,
    bearer,
    client_for,
    login,
    resources_of,
)

pytest.importorskip("redis", reason="the project was generated without Redis")

UNREACHABLE = "redis://127.0.0.1:1/0"
needs_redis = pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="sharing needs a Redis server: TEST_REDIS_URL"
)


async def test_with_redis_down_reads_succeed_and_writes_are_refused_whole(
    make_settings: MakeSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(make_settings(redis_url=UNREACHABLE))
    async with app.router.lifespan_context(app), client_for(app) as client:
        # Added behind the cache's back: a sign-up would be refused, as the test shows.
        resources = resources_of(app)
        async with resources.sessionmaker() as session:
            user = await SqlUserRepository(session).add(
                email="me@example.com",
                name="Before",
                role=Role.USER,
                password_hash=await resources.hasher.hash(PASSWORD),
            )
        headers = bearer(await login(client, "me@example.com"))
        me = await client.get("/api/v1/users/me", headers=headers)
        patched = await client.patch(
            f"/api/v1/users/{user.id}", json={"name": "Never Stored"}, headers=headers
        )
        deleted = await client.delete(f"/api/v1/users/{user.id}", headers=headers)
        signed_up = await client.post(
            "/api/v1/users",
            json={"email": "new@example.com", "name": "New", "password": "a long password"},
        )
        after = await client.get("/api/v1/users/me", headers=headers)
        ready = await client.get("/health/ready")

    assert me.status_code == 200
    for refused in (patched, deleted, signed_up):
        assert_error(refused, 503, "unavailable")
    assert after.json()["data"]["name"] == "Before"
    async with resources_of(app).sessionmaker() as session:
        assert await SqlUserRepository(session).get_credentials("new@example.com") is None
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "cache": "error"}
    events = {json.loads(line)["event"] for line in capsys.readouterr().out.splitlines() if line}
    assert {"cache_unavailable", "rate_limit_unavailable"} <= events


@needs_redis
async def test_processes_share_the_cache_and_its_invalidation(make_settings: MakeSettings) -> None:
    first, second = create_app(make_settings()), create_app(make_settings())
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
        client_for(first) as one,
        client_for(second) as two,
    ):
        user = await add_user(first, "me@example.com")
        await add_user(first, "admin@example.com", Role.ADMIN)
        admin = bearer(await login(one, "admin@example.com"))
        assert (await one.get(f"/api/v1/users/{user.id}", headers=admin)).status_code == 200
        assert (await one.get("/api/v1/users", headers=admin)).json()["pagination"]["total"] == 2

        await two.patch(f"/api/v1/users/{user.id}", json={"name": "Renamed"}, headers=admin)
        await two.delete(f"/api/v1/users/{user.id}", headers=admin)

        assert_error(await one.get(f"/api/v1/users/{user.id}", headers=admin), 404, "not_found")
        assert (await one.get("/api/v1/users", headers=admin)).json()["pagination"]["total"] == 1


@needs_redis
@pytest.mark.usefixtures("one_rate_limit_window")
async def test_processes_share_the_rate_limit_counters(make_settings: MakeSettings) -> None:
    settings = make_settings(rate_limit_per_ip=3)
    first, second = create_app(settings), create_app(settings)
    async with client_for(first) as one, client_for(second) as two:
        statuses = [
            (await one.get("/nowhere")).status_code,
            (await two.get("/nowhere")).status_code,
            (await one.get("/nowhere")).status_code,
        ]
        limited = await two.get("/nowhere")

    assert statuses == [404, 404, 404]
    assert_error(limited, 429, "rate_limited")


@needs_redis
async def test_ready_checks_redis_too(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/ready")).json()["checks"]["cache"] == "ok"
