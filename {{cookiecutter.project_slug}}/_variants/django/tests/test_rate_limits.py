"""The three tiers, with limits set low through the environment as a deployment would."""

from collections.abc import Callable

import pytest

from tests.conftest import PASSWORD, Account, Api, error_code

pytestmark = pytest.mark.usefixtures("one_rate_limit_window")

LOGIN = "/api/v1/auth/login"


def test_responses_describe_the_tier_with_the_fewest_requests_left(
    api: Api, configure: Callable[..., None]
) -> None:
    configure(RATE_LIMIT_PER_IP="5")

    first = api.get("/api/v1/openapi.json")
    second = api.get("/nowhere")

    assert first["RateLimit-Limit"] == "5"
    assert (first["RateLimit-Remaining"], second["RateLimit-Remaining"]) == ("4", "3")
    assert 1 <= int(first["RateLimit-Reset"]) <= 60


def test_the_per_ip_limit_answers_429_with_retry_after(
    api: Api, configure: Callable[..., None]
) -> None:
    configure(RATE_LIMIT_PER_IP="2")

    statuses = [api.get("/api/v1/users/me").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    limited = api.get("/api/v1/users/me")
    assert error_code(limited) == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["RateLimit-Remaining"] == "0"


def test_clients_are_counted_apart(api: Api, configure: Callable[..., None]) -> None:
    configure(RATE_LIMIT_PER_IP="1")

    first = [api.get("/nowhere").status_code for _ in range(2)]
    other = api.client.get("/nowhere", REMOTE_ADDR="10.0.0.2")

    assert (first, other.status_code) == ([404, 429], 404)


def test_health_checks_are_never_limited(api: Api, configure: Callable[..., None]) -> None:
    configure(RATE_LIMIT_PER_IP="1")

    statuses = {api.get("/health").status_code for _ in range(3)}

    assert statuses == {200}
    assert "RateLimit-Limit" not in api.get("/health/ready")


def test_login_attempts_have_their_own_lower_limit(
    api: Api, alice: Account, configure: Callable[..., None]
) -> None:
    configure(RATE_LIMIT_LOGIN="2")
    wrong = {"email": "alice@example.com", "password": "not the password"}

    statuses = [api.post(LOGIN, wrong).status_code for _ in range(2)]
    blocked = api.post(LOGIN, {"email": "alice@example.com", "password": PASSWORD})

    assert statuses == [401, 401]
    assert blocked.status_code == 429
    assert blocked["RateLimit-Limit"] == "2"
    assert api.get("/api/v1/users/me", token=alice.access_token).status_code == 200


def test_a_signed_in_user_has_its_own_limit_across_addresses(
    api: Api, alice: Account, configure: Callable[..., None]
) -> None:
    configure(RATE_LIMIT_PER_USER="2")
    auth = {"Authorization": f"Bearer {alice.access_token}"}

    first = api.client.get("/api/v1/users/me", headers=auth, REMOTE_ADDR="10.0.0.1")
    second = api.client.get("/api/v1/users/me", headers=auth, REMOTE_ADDR="10.0.0.2")
    third = api.client.get("/api/v1/users/me", headers=auth, REMOTE_ADDR="10.0.0.3")

    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first["RateLimit-Limit"] == "2"
