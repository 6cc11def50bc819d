"""The error envelope from every layer, and X-Request-ID on every response."""

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.helpers import (
    LOGIN,
    ME,
    USERS,
    Api,
    assert_error,
    assert_status,
    unique_email,
)

pytestmark = pytest.mark.contract

ONE_MIB = 1024 * 1024


@pytest.mark.parametrize(
    "path", ["/nowhere", "/api/v1/nowhere", "/api/v2/users", "/api/v1/users/me/more"]
)
def test_unknown_route_is_404_envelope(client: httpx.Client, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


@pytest.mark.parametrize("user_id", ["abc", "0", "-1", "1.5", str(2**64), "9" * 30])
def test_id_that_is_not_a_positive_64_bit_integer_is_404(api: Api, user_id: str) -> None:
    admin = api.admin()
    assert_error(api.client.get(api.user_path(user_id), headers=admin.auth), 404, "not_found")


@pytest.mark.parametrize("user_id", [2**31, 2**63 - 1])
def test_large_unknown_id_is_404_for_an_admin(api: Api, user_id: int) -> None:
    admin = api.admin()
    for method in ("GET", "DELETE"):
        response = api.client.request(method, api.user_path(user_id), headers=admin.auth)
        assert_error(response, 404, "not_found")
    response = api.client.patch(api.user_path(user_id), json={"name": "X"}, headers=admin.auth)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", USERS, {"GET", "POST"}),
        ("PUT", USERS, {"GET", "POST"}),
        ("POST", ME, {"GET"}),
        ("GET", LOGIN, {"POST"}),
        ("POST", "/health", {"GET"}),
        ("POST", f"{USERS}/1", {"GET", "PUT", "PATCH", "DELETE"}),
    ],
)
def test_wrong_method_is_405_with_allow(
    client: httpx.Client, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(
        method, path, content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 405, "method_not_allowed")
    allow = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed <= allow, response.headers["allow"]
    assert method not in allow, response.headers["allow"]


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_body_that_is_not_json_is_415(client: httpx.Client, content_type: str | None) -> None:
    body = json.dumps({"email": unique_email(), "name": "A", "password": "p" * 12}).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(USERS, content=body, headers=headers)
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_415_comes_before_authentication(client: httpx.Client, method: str) -> None:
    response = client.request(
        method, f"{USERS}/1", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 415, "unsupported_media_type")


def test_json_with_charset_is_accepted(api: Api) -> None:
    body = json.dumps({"email": unique_email(), "name": "Charset", "password": "p" * 12})
    response = api.client.post(
        USERS, content=body.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert_status(response, 201)


def oversized_body(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    head = b'{"email": "big@example.com", "password": "long-enough-pw", "name": "'
    tail = b'"}'
    return head + b"n" * (size - len(head) - len(tail)) + tail


def test_body_over_one_mib_is_413(client: httpx.Client) -> None:
    body = oversized_body(ONE_MIB + 1)
    response = client.post(USERS, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")


def chunked(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked, so without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_chunked_json_body_is_read(client: httpx.Client) -> None:
    body = json.dumps({"email": unique_email("chunked"), "name": "Chunked", "password": "p" * 12})
    response = client.post(
        USERS, content=chunked(body.encode(), 16), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_status(response, 201)


def test_body_over_one_mib_without_content_length_is_413(client: httpx.Client) -> None:
    response = client.post(
        USERS,
        content=chunked(oversized_body(ONE_MIB + 64 * 1024)),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


def test_body_of_exactly_one_mib_is_read_and_validated(client: httpx.Client) -> None:
    response = client.post(
        USERS, content=oversized_body(ONE_MIB), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "validation_error", {"name"})


@pytest.mark.parametrize("request_id", ["abc-123", "A.b_c-9", "x" * 128, "7"])
def test_valid_request_id_is_echoed(client: httpx.Client, request_id: str) -> None:
    for response in (
        client.get("/health", headers={"X-Request-ID": request_id}),
        client.get(ME, headers={"X-Request-ID": request_id}),
    ):
        assert response.headers["x-request-id"] == request_id


@pytest.mark.parametrize("request_id", ["", "x" * 129, "has space", "a/b", "semi;colon", "a,b"])
def test_invalid_request_id_is_replaced(client: httpx.Client, request_id: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] != request_id
    error = client.get("/nowhere", headers={"X-Request-ID": request_id})
    assert_error(error, 404, "not_found")
    assert error.headers["x-request-id"] != request_id


def test_fresh_request_ids_differ(client: httpx.Client) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_error_envelope_carries_the_callers_request_id(client: httpx.Client) -> None:
    response = client.get(ME, headers={"X-Request-ID": "trace-me-401"})
    error = assert_error(response, 401, "unauthorized")
    assert error["request_id"] == "trace-me-401"


def test_every_kind_of_response_carries_a_request_id(api: Api) -> None:
    """The client's response hook checks the header; here each layer is visited once."""
    client = api.client
    account = api.account()
    responses = [
        client.get("/health"),
        client.get("/health/ready"),
        client.get("/nowhere"),
        client.delete(USERS),
        client.post(USERS, content=b"x", headers={"Content-Type": "text/plain"}),
        client.post(USERS, content=b"{", headers={"Content-Type": "application/json"}),
        client.get(ME),
        client.get(ME, headers=account.auth),
        client.get(USERS, headers=account.auth),
        client.get(api.user_path(account.id), headers=account.auth),
        client.delete(api.user_path(account.id), headers=account.auth),
        client.options(USERS),
    ]
    statuses = [r.status_code for r in responses[:-1]]
    assert statuses == [200, 200, 404, 405, 415, 400, 401, 200, 403, 200, 204]
    assert all(r.headers.get("x-request-id") for r in responses)
