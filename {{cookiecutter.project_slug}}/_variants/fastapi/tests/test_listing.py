"""GET /api/v1/users: admins only, paged, newest first, searched literally."""

import httpx
import pytest
from fastapi import FastAPI

from app.core.domain import Role
from tests.helpers import add_user, assert_error, fields_of, signed_in


@pytest.fixture
async def admin_headers(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    _, headers = await signed_in(app, client, "admin@example.com", Role.ADMIN)
    return headers


async def test_listing_is_for_admins_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, headers = await signed_in(app, client, "me@example.com")
    assert_error(await client.get("/api/v1/users", headers=headers), 403, "forbidden")
    assert_error(await client.get("/api/v1/users"), 401, "unauthorized")


async def test_pages_are_newest_first_with_a_total(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for number in range(5):
        await add_user(app, f"user{number}@example.com")

    first = await client.get("/api/v1/users?limit=2", headers=admin_headers)
    third = await client.get("/api/v1/users?page=3&limit=2", headers=admin_headers)
    beyond = await client.get(f"/api/v1/users?page={2**70}&limit=2", headers=admin_headers)

    assert first.status_code == 200
    assert first.json()["pagination"] == {"page": 1, "limit": 2, "total": 6}
    assert [u["email"] for u in first.json()["data"]] == ["user4@example.com", "user3@example.com"]
    assert [u["email"] for u in third.json()["data"]] == ["user0@example.com", "admin@example.com"]
    assert beyond.json()["data"] == []
    assert beyond.json()["pagination"]["total"] == 6


async def test_defaults_and_ignored_parameters(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/users?sort=name&search=", headers=admin_headers)
    assert response.json()["pagination"] == {"page": 1, "limit": 20, "total": 1}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=1.5", "limit"),
        (f"search={'x' * 101}", "search"),
    ],
)
async def test_a_bad_query_value_is_400_naming_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str], query: str, field: str
) -> None:
    assert fields_of(await client.get(f"/api/v1/users?{query}", headers=admin_headers)) == {field}


async def test_a_bad_query_value_is_400_even_without_a_token(client: httpx.AsyncClient) -> None:
    assert fields_of(await client.get("/api/v1/users?limit=500")) == {"limit"}


async def test_search_matches_name_or_email_case_insensitively(
    app: FastAPI, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await add_user(app, "ann@example.com", name="Ann Smith")
    await add_user(app, "bob@annex.org", name="Bob")
    await add_user(app, "carol@example.com", name="Carol")

    response = await client.get("/api/v1/users", params={"search": "ANN"}, headers=admin_headers)

    assert {u["email"] for u in response.json()["data"]} == {"ann@example.com", "bob@annex.org"}
    assert response.json()["pagination"]["total"] == 2


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("50%", {"fifty@example.com"}),
        ("a_b", {"a_b@example.com"}),
        ("\\", {"back@example.com"}),
        ("%", {"fifty@example.com"}),
        ("_", {"a_b@example.com"}),
        ("' OR '1'='1", set()),
        ("'; DROP TABLE users; --", set()),
        ("\x00", set()),
    ],
)
async def test_search_takes_wildcards_and_sql_metacharacters_literally(
    app: FastAPI,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    search: str,
    expected: set[str],
) -> None:
    await add_user(app, "fifty@example.com", name="Fifty 50% off")
    await add_user(app, "a_b@example.com", name="Underscore")
    await add_user(app, "axb@example.com", name="Not underscore")
    await add_user(app, "back@example.com", name="Back\\slash")

    response = await client.get("/api/v1/users", params={"search": search}, headers=admin_headers)

    assert response.status_code == 200
    assert {u["email"] for u in response.json()["data"]} == expected
    everyone = await client.get("/api/v1/users", headers=admin_headers)
    assert everyone.json()["pagination"]["total"] == 5
