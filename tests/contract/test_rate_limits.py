"""Rate limits per login, per user and per IP, their headers, and the 429.

A server of its own with low limits. Windows are fixed minutes, so a test that counts
first makes sure enough of the current window is left (waiting at most one short
remainder of a window) and then counts exactly, from the RateLimit headers.
With Redis and several workers, exact counts also prove the counters are shared.
"""

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from harness.servers import JWT_SECRET, LiveServer
from tests.contract.conftest import Launch, every_backend_set, server_params, stop_cleanly
from tests.contract.helpers import (
    ME,
    PASSWORD,
    USERS,
    Api,
    access_claims,
    assert_error,
    assert_status,
    bearer,
    encode_jwt,
    new_client,
    unique_email,
)

pytestmark = pytest.mark.contract

LOGIN_LIMIT = 3
USER_LIMIT = 5
IP_LIMIT = 40
WINDOW_SECONDS = 60
ROOM_SECONDS = 12


def limits(response: httpx.Response) -> tuple[int, int, int]:
    """(limit, remaining, reset) from the RateLimit headers, which must be there."""
    values = []
    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert name in response.headers, f"{name} missing on {response.request.url.path}"
        values.append(int(response.headers[name]))
    limit, remaining, reset = values
    assert 0 <= remaining <= limit, values
    assert 0 <= reset <= WINDOW_SECONDS, values
    return limit, remaining, reset


def with_room_in_the_window(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send once; if the window is about to end, wait it out and send again."""
    response = send()
    reset = limits(response)[2] if "RateLimit-Reset" in response.headers else WINDOW_SECONDS
    if reset < ROOM_SECONDS:
        time.sleep(reset + 1)
        response = send()
    return response


def test_api_responses_carry_rate_limit_headers(api: Api) -> None:
    account = api.account()
    responses = [
        api.sign_up(),
        api.client.get(ME, headers=account.auth),
        api.client.get(ME),
        api.client.get("/api/v1/nowhere"),
        api.login(account.email),
    ]
    for response in responses:
        limits(response)


@pytest.fixture(scope="module", params=server_params(every_backend_set()))
def limited(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    live = launch(
        request.param,
        "limited",
        env={
            "RATE_LIMIT_LOGIN": str(LOGIN_LIMIT),
            "RATE_LIMIT_PER_USER": str(USER_LIMIT),
            "RATE_LIMIT_PER_IP": str(IP_LIMIT),
        },
    )
    yield live
    stop_cleanly(live)


@pytest.fixture
def limited_api(limited: LiveServer) -> Iterator[Api]:
    with new_client(limited.url) as client:
        yield Api(client, issuer=limited.slug)


def test_login_is_limited_per_ip(limited_api: Api) -> None:
    api = limited_api
    account_email = unique_email("limited")
    assert_status(api.sign_up(account_email), 201)
    # The first attempt reports the login tier, whose window may be aligned to the clock.
    attempts = [with_room_in_the_window(lambda: api.login(account_email, "wrong password!!"))]
    attempts += [api.login(account_email, "wrong password!!") for _ in range(LOGIN_LIMIT - 1)]
    for number, response in enumerate(attempts, start=1):
        assert_error(response, 401, "unauthorized")
        assert limits(response)[:2] == (LOGIN_LIMIT, LOGIN_LIMIT - number)
    blocked = api.login(account_email, PASSWORD)
    assert_error(blocked, 429, "rate_limited")
    limit, remaining, reset = limits(blocked)
    assert (limit, remaining) == (LOGIN_LIMIT, 0)
    assert 1 <= int(blocked.headers["Retry-After"]) <= WINDOW_SECONDS
    # Other paths still answer: only the login tier is spent.
    assert_status(api.client.get("/api/v1/openapi.json"), 200)


def test_signed_in_user_is_limited_per_user(limited_api: Api) -> None:
    api = limited_api
    tokens: list[str] = []

    def first_request_of_a_new_user() -> httpx.Response:
        # Tokens made with the server's secret: the login tier is spent by the test before.
        signed_up = api.sign_up()
        assert_status(signed_up, 201)
        user_id = signed_up.json()["data"]["id"]
        tokens.append(encode_jwt(access_claims(user_id, "user", api.issuer), JWT_SECRET))
        return api.client.get(ME, headers=bearer(tokens[-1]))

    # A user's window may be aligned to the clock rather than to its first request, so
    # start with a user whose window has room for the whole test.
    response = with_room_in_the_window(first_request_of_a_new_user)
    assert_status(response, 200)
    assert limits(response)[:2] == (USER_LIMIT, USER_LIMIT - 1)
    token, user_id = tokens[-1], response.json()["data"]["id"]
    other = api.sign_up()
    assert_status(other, 201)
    other_token = encode_jwt(
        access_claims(other.json()["data"]["id"], "user", api.issuer), JWT_SECRET
    )
    for number in range(2, USER_LIMIT + 1):
        response = api.client.get(ME, headers=bearer(token))
        assert_status(response, 200)
        assert limits(response)[:2] == (USER_LIMIT, USER_LIMIT - number)
    blocked = api.client.get(api.user_path(user_id), headers=bearer(token))
    assert_error(blocked, 429, "rate_limited")
    assert limits(blocked)[:2] == (USER_LIMIT, 0)
    assert_status(api.client.get(ME, headers=bearer(other_token)), 200)


def test_every_request_counts_per_ip_but_health(limited_api: Api) -> None:
    api = limited_api
    first = with_room_in_the_window(lambda: api.client.get("/api/v1/nowhere"))
    left = limits(first)[1]
    assert limits(first)[0] == IP_LIMIT
    for _ in range(left):
        response = api.client.post(
            USERS, content=b"{", headers={"Content-Type": "application/json"}
        )
        assert_error(response, 400, "validation_error", {"body"})
    blocked = api.client.get("/api/v1/openapi.json")
    assert_error(blocked, 429, "rate_limited")
    assert limits(blocked)[:2] == (IP_LIMIT, 0)
    assert_status(api.client.get("/health"), 200)
    assert_status(api.client.get("/health/ready"), 200)
