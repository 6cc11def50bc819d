"""One error envelope from every layer; request ids; body checks; the access log."""

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.core.http import MAX_BODY_BYTES
from app.core.logging import configure_logging
from app.main import create_app
from tests.conftest import MakeSettings
from tests.helpers import PASSWORD, assert_error, client_for, fields_of


async def test_an_unknown_route_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/nowhere", "/api/v1/users/", "/api/v2/users"):
        assert_error(await client.get(path), 404, "not_found")


async def test_a_wrong_method_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/users")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}
    me = await client.post("/api/v1/users/me", json={})
    assert_error(me, 405, "method_not_allowed")
    assert me.headers["Allow"] == "GET"
    one = await client.post("/api/v1/users/1", json={})
    assert set(one.headers["Allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_body_that_is_not_json_is_415_first(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/api/v1/auth/login", content=b"email=a", headers=headers)
    assert_error(response, 415, "unsupported_media_type")


async def test_routing_answers_before_the_body_is_looked_at(client: httpx.AsyncClient) -> None:
    assert_error(await client.put("/health/ready", content=b"x"), 405, "method_not_allowed")
    assert_error(await client.post("/nowhere", content=b"x"), 404, "not_found")


async def test_json_with_a_charset_is_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "a@example.com", "password": "whatever"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert_error(response, 401, "unauthorized")


async def test_a_body_over_one_mebibyte_is_413_by_its_length(client: httpx.AsyncClient) -> None:
    body = b'{"name": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await client.post(
        "/api/v1/users", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


async def test_a_streamed_body_over_one_mebibyte_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * (64 * 1024)

    response = await client.post(
        "/api/v1/users", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert "Content-Length" not in response.request.headers
    assert_error(response, 413, "payload_too_large")


async def test_a_streamed_body_within_the_limit_is_read(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"email": "a@example.com", '
        yield b'"password": "whatever"}'

    response = await client.post(
        "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized")


async def test_an_unhandled_exception_is_a_bare_500_logged_with_its_trace(
    app: FastAPI, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO")  # onto the captured stdout

    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/explode", explode)
    async with client_for(app) as client:
        response = await client.get("/explode", headers={"X-Request-ID": "trace-me-1"})

    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert error["request_id"] == "trace-me-1"
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    failure = next(log for log in logs if log["event"] == "unhandled_exception")
    assert failure["request_id"] == "trace-me-1"
    assert "RuntimeError: secret internals" in failure["exception"]
    access = next(log for log in logs if log["event"] == "request")
    assert access["status"] == 500


async def test_an_unreachable_database_is_a_503(make_settings: MakeSettings) -> None:
    app = create_app(make_settings(database_url="sqlite:////nonexistent/dir/app.db"))
    async with app.router.lifespan_context(app), client_for(app) as client:
        response = await client.post(
            "/api/v1/users", json={"email": "ann@example.com", "name": "Ann", "password": PASSWORD}
        )

    assert_error(response, 503, "unavailable")
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("abc.DEF-123_x", True), ("x" * 128, True), ("x" * 129, False), ("bad id!", False)],
)
async def test_a_safe_request_id_is_echoed_and_any_other_replaced(
    client: httpx.AsyncClient, sent: str, kept: bool
) -> None:
    response = await client.get("/health", headers={"X-Request-ID": sent})
    assert (response.headers["X-Request-ID"] == sent) is kept
    assert 1 <= len(response.headers["X-Request-ID"]) <= 128


async def test_every_response_has_a_fresh_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/nowhere")
    second = await client.get("/nowhere")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_each_request_is_logged_as_json_without_secrets(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO")  # onto the captured stdout
    await client.post(
        "/api/v1/auth/login",
        json={"email": "a@example.com", "password": "hunter2-but-long"},
        headers={"X-Request-ID": "log-me"},
    )

    out = capsys.readouterr().out
    assert "hunter2-but-long" not in out
    record = next(json.loads(line) for line in out.splitlines() if '"event": "request"' in line)
    assert record["request_id"] == "log-me"
    assert record["method"] == "POST"
    assert record["path"] == "/api/v1/auth/login"
    assert record["status"] == 401
    assert isinstance(record["duration_ms"], float | int)


async def test_validation_details_name_the_top_level_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/users", json={"email": "a@example.com", "name": {"nested": 1}, "password": 1}
    )
    assert fields_of(response) == {"name", "password"}
