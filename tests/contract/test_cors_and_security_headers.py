"""CORS for the listed origins only, and what production adds: the security headers, and
Argon2 at its real cost, which the other servers of the suite trade for speed."""

import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from harness.servers import JWT_SECRET, LiveServer
from tests.contract.conftest import Launch, backend_sets, server_params, stop_cleanly
from tests.contract.helpers import (
    HTTP,
    ME,
    REFRESH,
    USERS,
    Api,
    assert_error,
    assert_status,
    bearer,
    jwt_claims,
    new_client,
    unique_email,
)
from tests.contract.servers import ALLOWED_ORIGIN, GENEROUS_LIMITS

pytestmark = pytest.mark.contract

OTHER_ORIGIN = "http://evil.example"
LOGIN_TIMING_ROUNDS = 15
# The production server's token lifetimes: short, so that the suite sees them end.
ACCESS_TTL = 2
REFRESH_TTL = 4


def header_set(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


def preflight(client: httpx.Client, origin: str) -> httpx.Response:
    return client.options(
        USERS,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, X-Request-ID",
        },
    )


def test_allowed_origin_gets_cors_headers(client: httpx.Client) -> None:
    response = client.get("/health", headers={"Origin": ALLOWED_ORIGIN})
    assert_status(response, 200)
    assert response.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    exposed = header_set(response.headers.get("access-control-expose-headers"))
    assert {h.lower() for h in HTTP["CORS_EXPOSE_HEADERS"]} <= exposed


def test_allowed_origin_gets_cors_headers_on_errors_too(client: httpx.Client) -> None:
    response = client.get(ME, headers={"Origin": ALLOWED_ORIGIN})
    assert_error(response, 401, "unauthorized")
    assert response.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN


def test_preflight_from_an_allowed_origin(client: httpx.Client) -> None:
    response = preflight(client, ALLOWED_ORIGIN)
    assert response.status_code in {200, 204}, response.text
    assert response.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    methods = header_set(response.headers.get("access-control-allow-methods"))
    assert {"get", "post", "put", "patch", "delete"} <= methods
    headers = header_set(response.headers.get("access-control-allow-headers"))
    assert {"authorization", "content-type", "x-request-id"} <= headers


def test_unlisted_origin_gets_no_cors_headers(client: httpx.Client) -> None:
    simple = client.get("/health", headers={"Origin": OTHER_ORIGIN})
    for response in (preflight(client, OTHER_ORIGIN), simple):
        cors = [h for h in response.headers if h.lower().startswith("access-control-")]
        assert not cors, dict(response.headers)


@pytest.fixture(scope="module", params=server_params(backend_sets()))
def production_server(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    live = launch(
        request.param,
        "production",
        env={
            **GENEROUS_LIMITS,
            "ENVIRONMENT": "production",
            "JWT_SECRET": JWT_SECRET,
            "CORS_ORIGINS": ALLOWED_ORIGIN,
            "ACCESS_TOKEN_TTL_SECONDS": str(ACCESS_TTL),
            "REFRESH_TOKEN_TTL_SECONDS": str(REFRESH_TTL),
        },
    )
    yield live
    stop_cleanly(live)


def test_production_responses_carry_the_security_headers(production_server: LiveServer) -> None:
    expected = HTTP["SECURITY_HEADERS"]
    assert isinstance(expected, dict) and "Strict-Transport-Security" in expected
    with new_client(production_server.url) as client:
        responses = [
            client.get("/health"),
            client.get("/nowhere"),
            client.get(ME),
            client.post(USERS, content=b"{", headers={"Content-Type": "application/json"}),
            client.get("/api/v1/openapi.json"),
            client.get("/api/v1/docs"),
        ]
    for response in responses:
        for name, value in expected.items():
            assert response.headers.get(name) == value, (
                f"{response.request.url.path} {response.status_code}: {name} "
                f"is {response.headers.get(name)!r}"
            )


def test_production_never_redirects_to_https(production_server: LiveServer) -> None:
    with new_client(production_server.url) as client:
        response = client.get("/health", follow_redirects=False)
    assert_status(response, 200)


def test_tokens_end_with_their_configured_lifetimes(production_server: LiveServer) -> None:
    with new_client(production_server.url) as client:
        api = Api(client, issuer=production_server.slug)
        email = unique_email("ttl")
        assert_status(api.sign_up(email), 201)
        response = api.login(email)
        # The tokens were issued before this moment: it bounds when they end.
        issued_by = time.monotonic()
        assert_status(response, 200)
        pair = response.json()
        assert pair["expires_in"] == ACCESS_TTL
        claims = jwt_claims(pair["access_token"])
        assert claims["exp"] - claims["iat"] == ACCESS_TTL
        deadline = issued_by + ACCESS_TTL + 5
        while (me := client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200:
            assert time.monotonic() < deadline, "the access token outlived its lifetime"
            time.sleep(0.25)
        assert_error(me, 401, "unauthorized")
        # Waiting out the refresh token: refreshing earlier would spend it.
        time.sleep(max(0.0, issued_by + REFRESH_TTL + 1 - time.monotonic()))
        expired = client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})
        assert_error(expired, 401, "unauthorized")


def test_a_login_fails_as_slowly_for_an_unknown_email_as_for_a_wrong_password(
    production_server: LiveServer,
) -> None:
    """Skipping the hash for an unknown e-mail would answer in a fraction of the time and
    tell an attacker which accounts exist. Each round times one login of each, back to back
    and in alternating order, so both see the same machine; the median of the rounds'
    ratios is what a loaded machine's bursts cannot move."""
    with new_client(production_server.url) as client:
        api = Api(client, issuer=production_server.slug)
        known_email = unique_email()
        assert_status(api.sign_up(known_email), 201)
        unknown_email = unique_email("ghost")
        ratios = []
        for round_number in range(LOGIN_TIMING_ROUNDS):
            emails = [known_email, unknown_email]
            if round_number % 2:
                emails.reverse()
            taken = {}
            for email in emails:
                started = time.perf_counter()
                assert_error(api.login(email, "wrong password!!"), 401, "unauthorized")
                taken[email] = time.perf_counter() - started
            ratios.append(taken[unknown_email] / taken[known_email])
    ratio = statistics.median(ratios)
    assert 1 / 1.2 <= ratio <= 1.2, f"an unknown e-mail takes {ratio:.2f}x a known one's time"
