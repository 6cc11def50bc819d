"""The three rate-limit tiers, with limits low enough to reach in a test."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.conftest import JWT_SECRET, AppFactory, account, bearer, error_of, log_in

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_per_ip_limit_with_headers_and_retry_after(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_ip=3).test_client()

    responses = [client.get("/nowhere") for _ in range(4)]

    assert [response.status_code for response in responses] == [404, 404, 404, 429]
    assert [response.headers["RateLimit-Remaining"] for response in responses] == [
        "2",
        "1",
        "0",
        "0",
    ]
    limited = responses[-1]
    assert error_of(limited)["code"] == "rate_limited"
    assert limited.headers["RateLimit-Limit"] == "3"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert 1 <= int(limited.headers["RateLimit-Reset"]) <= 60


def test_health_checks_are_never_limited(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_ip=1).test_client()

    statuses = {client.get("/health").status_code for _ in range(3)}

    assert statuses == {200}
    assert "RateLimit-Limit" not in client.get("/health/ready").headers


def test_login_limit_counts_every_attempt(make_app: AppFactory) -> None:
    client = make_app(rate_limit_login=2).test_client()
    account(client, "ann@example.com")  # one login

    second = log_in(client, "ann@example.com", "wrong password!")
    third = log_in(client, "ann@example.com")

    assert second.status_code == 401 and second.headers["RateLimit-Remaining"] == "0"
    assert third.status_code == 429 and "Retry-After" in third.headers
    assert client.get("/health").status_code == 200


def test_per_user_limit_follows_the_token_not_the_ip(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_user=3).test_client()
    ann = account(client, "ann@example.com")

    statuses = [client.get("/api/v1/users/me", headers=ann.headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_headers_describe_the_tier_with_fewest_requests_left(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_ip=50, rate_limit_per_user=5).test_client()
    ann = account(client, "ann@example.com")

    response = client.get("/api/v1/users/me", headers=ann.headers)

    assert (response.headers["RateLimit-Limit"], response.headers["RateLimit-Remaining"]) == (
        "5",
        "4",
    )


def test_an_unreachable_redis_lets_requests_through(make_app: AppFactory) -> None:
    client = make_app(redis_url=UNREACHABLE_REDIS, rate_limit_per_ip=1).test_client()

    statuses = [client.get("/api/v1/openapi.json").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_a_signed_but_expired_token_still_counts_per_user(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_user=1, rate_limit_per_ip=50).test_client()
    past = datetime.now(UTC) - timedelta(hours=1)
    claims = {"sub": "42", "role": "user", "type": "access", "iat": past, "exp": past}
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")

    responses = [client.get("/api/v1/users/me", headers=bearer(token)) for _ in range(2)]

    assert [response.status_code for response in responses] == [401, 429]


def test_a_token_that_does_not_verify_counts_only_per_ip(make_app: AppFactory) -> None:
    client = make_app(rate_limit_per_user=1, rate_limit_per_ip=50).test_client()

    responses = [client.get("/api/v1/users/me", headers=bearer("not.a.token")) for _ in range(3)]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert responses[-1].headers["RateLimit-Limit"] == "50"
