"""The three tiers: per IP, per signed-in user, per IP on login; fixed one-minute windows."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.main import create_app
from tests.conftest import MakeSettings
from tests.helpers import SECRET, add_user, assert_error, bearer, client_for, login

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")


async def test_the_per_ip_limit_counts_every_request_but_health(
    make_settings: MakeSettings,
) -> None:
    app = create_app(make_settings(rate_limit_per_ip=3))
    async with app.router.lifespan_context(app), client_for(app) as client:
        for _ in range(5):
            assert (await client.get("/health")).status_code == 200
        statuses = [(await client.get("/nowhere")).status_code for _ in range(3)]
        limited = await client.get("/api/v1/users/me")
        async with client_for(app, ip="10.0.0.2") as elsewhere:
            other_ip = await elsewhere.get("/nowhere")

    assert statuses == [404, 404, 404]
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Limit"] == "3"
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert 0 <= int(limited.headers["RateLimit-Reset"]) <= 60
    assert other_ip.status_code == 404
    assert other_ip.headers["RateLimit-Remaining"] == "2"


async def test_login_has_its_own_lower_limit(make_settings: MakeSettings) -> None:
    app = create_app(make_settings(rate_limit_login=2, rate_limit_per_ip=50))
    body = {"email": "nobody@example.com", "password": "a wrong password"}
    async with app.router.lifespan_context(app), client_for(app) as client:
        first = await client.post("/api/v1/auth/login", json=body)
        second = await client.post("/api/v1/auth/login", json=body)
        third = await client.post("/api/v1/auth/login", json=body)
        elsewhere = await client.get("/health/ready")

    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Remaining"] == "1"
    assert second.status_code == 401
    assert_error(third, 429, "rate_limited")
    assert "Retry-After" in third.headers
    assert elsewhere.status_code == 200


async def test_a_signed_in_user_has_a_limit_of_their_own(make_settings: MakeSettings) -> None:
    app = create_app(make_settings(rate_limit_per_user=2, rate_limit_per_ip=50))
    async with app.router.lifespan_context(app), client_for(app) as client:
        await add_user(app, "me@example.com")
        headers = bearer(await login(client, "me@example.com"))
        first = await client.get("/api/v1/users/me", headers=headers)
        await client.get("/api/v1/users/me", headers=headers)
        limited = await client.get("/api/v1/users/me", headers=headers)
        anonymous = await client.get("/nowhere")

    assert first.headers["RateLimit-Limit"] == "2"
    assert first.headers["RateLimit-Remaining"] == "1"
    assert_error(limited, 429, "rate_limited")
    assert anonymous.status_code == 404
    assert anonymous.headers["RateLimit-Limit"] == "50"


async def test_a_token_that_does_not_verify_counts_only_per_ip(
    make_settings: MakeSettings,
) -> None:
    app = create_app(make_settings(rate_limit_per_user=1, rate_limit_per_ip=50))
    async with app.router.lifespan_context(app), client_for(app) as client:
        headers = {"Authorization": "Bearer forged.token.value"}
        responses = [await client.get("/api/v1/users/me", headers=headers) for _ in range(3)]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert responses[-1].headers["RateLimit-Limit"] == "50"


async def test_an_expired_token_that_verifies_still_counts_per_user(
    make_settings: MakeSettings,
) -> None:
    app = create_app(make_settings(rate_limit_per_user=1, rate_limit_per_ip=50))
    now = datetime.now(UTC)
    claims = {"sub": "42", "role": "user", "type": "access", "iat": now - timedelta(hours=1)}
    expired = jwt.encode({**claims, "exp": now - timedelta(minutes=1)}, SECRET, "HS256")
    async with app.router.lifespan_context(app), client_for(app) as client:
        headers = {"Authorization": f"Bearer {expired}"}
        first = await client.get("/api/v1/users/me", headers=headers)
        second = await client.get("/api/v1/users/me", headers=headers)

    assert_error(first, 401, "unauthorized")
    assert first.headers["RateLimit-Limit"] == "1"
    assert_error(second, 429, "rate_limited")
