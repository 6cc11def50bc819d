"""X-Forwarded-For names the client only when the peer is a proxy in FORWARDED_ALLOW_IPS.

Unset, no proxy is trusted: not even 127.0.0.1, which uvicorn and gunicorn trust by
default. One server per framework trusts 127.0.0.1 and has a low per-IP limit; a client
bound to 127.0.0.2 plays a peer that is not a proxy. Windows are handled as in
test_rate_limits.py.
"""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from harness.servers import LiveServer
from tests.contract.conftest import Launch, server_params, stop_cleanly
from tests.contract.helpers import assert_error, assert_status, new_client
from tests.contract.servers import GENEROUS_LIMITS, frameworks, sqlite_set
from tests.contract.test_operations import wait_for_log_entry
from tests.contract.test_rate_limits import limits, with_room_in_the_window

pytestmark = pytest.mark.contract

SQLITE_PARAMS = server_params([sqlite_set(framework) for framework in frameworks()])
PROXY_IP_LIMIT = 3
PROXY = "127.0.0.1"
NOT_A_PROXY = "127.0.0.2"
NOWHERE = "/api/v1/nowhere"


def send_as(client: httpx.Client, forwarded_for: str) -> httpx.Response:
    """A request for a path no route takes, forwarded for `forwarded_for`, with a fresh id."""
    return client.get(
        NOWHERE,
        headers={"X-Forwarded-For": forwarded_for, "X-Request-ID": f"proxy-{uuid.uuid4().hex}"},
    )


def logged_client(server: LiveServer, response: httpx.Response) -> str:
    return str(wait_for_log_entry(server, response.headers["x-request-id"])["client"])


@pytest.mark.parametrize("server", SQLITE_PARAMS, indirect=True)
def test_unset_no_forwarded_address_escapes_the_per_ip_limit(server: LiveServer) -> None:
    with new_client(server.url) as client:
        first = with_room_in_the_window(lambda: send_as(client, "198.51.100.1"))
        second = send_as(client, "198.51.100.2")
    assert_status(second, 404)
    assert limits(second)[1] == limits(first)[1] - 1, "one counter for both requests"
    assert logged_client(server, first) == logged_client(server, second) == PROXY


@pytest.fixture(scope="module", params=SQLITE_PARAMS)
def behind_proxy(request: pytest.FixtureRequest, launch: Launch) -> Iterator[LiveServer]:
    live = launch(
        request.param,
        "proxied",
        env={
            **GENEROUS_LIMITS,
            "RATE_LIMIT_PER_IP": str(PROXY_IP_LIMIT),
            "FORWARDED_ALLOW_IPS": PROXY,
        },
    )
    yield live
    stop_cleanly(live)


def test_from_a_trusted_proxy_each_forwarded_address_is_a_client(
    behind_proxy: LiveServer,
) -> None:
    server = behind_proxy
    with new_client(server.url) as client:
        first = with_room_in_the_window(lambda: send_as(client, "198.51.100.1"))
        for _ in range(limits(first)[1]):
            assert_status(send_as(client, "198.51.100.1"), 404)
        blocked = send_as(client, "198.51.100.1")
        # The proxy appended the peer it saw; what is left of it the client may have forged.
        other = send_as(client, "198.51.100.1, 203.0.113.9")
    assert_error(blocked, 429, "rate_limited")
    assert_status(other, 404)
    assert limits(other)[:2] == (PROXY_IP_LIMIT, PROXY_IP_LIMIT - 1)
    assert logged_client(server, blocked) == "198.51.100.1"
    assert logged_client(server, other) == "203.0.113.9"

    # From a peer that is not a proxy, the header is ignored: the peer is the client.
    with httpx.Client(
        base_url=server.url, transport=httpx.HTTPTransport(local_address=NOT_A_PROXY)
    ) as direct:
        responses = [send_as(direct, "198.51.100.3") for _ in range(PROXY_IP_LIMIT + 1)]
    assert [response.status_code for response in responses[:-1]] == [404] * PROXY_IP_LIMIT
    assert_error(responses[-1], 429, "rate_limited")
    assert logged_client(server, responses[0]) == NOT_A_PROXY
