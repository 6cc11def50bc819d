"""GET /api/v1/users: admins only, newest first, paged, searchable with literal % and _."""

from urllib.parse import quote

import pytest

from app.core.domain import Role
from tests.conftest import Account, Api, error_code, error_fields, make_account

USERS = "/api/v1/users"


def test_only_an_admin_lists_users(api: Api, alice: Account) -> None:
    assert api.get(USERS).status_code == 401
    response = api.get(USERS, token=alice.access_token)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"


def test_users_come_newest_first_with_pagination(api: Api, admin: Account) -> None:
    for number in range(3):
        make_account(f"user{number}@example.com")

    response = api.get(f"{USERS}?page=1&limit=2", token=admin.access_token)

    assert response.status_code == 200
    body = response.json()
    assert [user["email"] for user in body["data"]] == [
        "user2@example.com",
        "user1@example.com",
    ]
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 4}
    last = api.get(f"{USERS}?page=2&limit=2", token=admin.access_token).json()
    assert [user["email"] for user in last["data"]] == ["user0@example.com", "admin@example.com"]


def test_defaults_are_page_1_and_limit_20(api: Api, admin: Account) -> None:
    body = api.get(USERS, token=admin.access_token).json()

    assert body["pagination"] == {"page": 1, "limit": 20, "total": 1}


def test_a_page_past_the_end_is_empty(api: Api, admin: Account) -> None:
    body = api.get(f"{USERS}?page=99999999999", token=admin.access_token).json()

    assert body["data"] == []
    assert body["pagination"]["total"] == 1


@pytest.mark.parametrize("page", [2**62, 2**64, 10**100])
def test_a_page_whose_offset_no_database_integer_holds_is_empty(
    api: Api, admin: Account, page: int
) -> None:
    body = api.get(f"{USERS}?page={page}&limit=100", token=admin.access_token).json()

    assert body["data"] == []
    assert body["pagination"] == {"page": page, "limit": 100, "total": 1}


def test_search_matches_name_or_email_case_insensitively(api: Api, admin: Account) -> None:
    make_account("ann@example.com", name="Ann")
    make_account("joanna@example.com", name="Jo")
    make_account("zed@example.com", name="Zed")

    body = api.get(f"{USERS}?search=ANN", token=admin.access_token).json()

    assert sorted(user["email"] for user in body["data"]) == [
        "ann@example.com",
        "joanna@example.com",
    ]


@pytest.mark.parametrize(
    ("search", "expected"),
    [("%", ["per%cent@example.com"]), ("_", ["under_score@example.com"])],
)
def test_percent_and_underscore_match_only_themselves(
    api: Api, admin: Account, search: str, expected: list[str]
) -> None:
    make_account("per%cent@example.com", name="Percent")
    make_account("under_score@example.com", name="Under")
    make_account("plain@example.com", name="Plain")

    response = api.get(f"{USERS}?search={quote(search)}", token=admin.access_token)

    assert [user["email"] for user in response.json()["data"]] == expected


@pytest.mark.parametrize("search", ["%00", "ali%00ce", "alice%00"])
def test_a_nul_in_the_search_matches_no_one(
    api: Api, admin: Account, alice: Account, search: str
) -> None:
    response = api.get(f"{USERS}?search={search}", token=admin.access_token)

    assert response.status_code == 200
    assert response.json() == {"data": [], "pagination": {"page": 1, "limit": 20, "total": 0}}


def test_an_empty_search_filters_nothing(api: Api, admin: Account, alice: Account) -> None:
    body = api.get(f"{USERS}?search=", token=admin.access_token).json()

    assert body["pagination"]["total"] == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=", "page"),
        ("page=abc", "page"),
        ("page=1.0", "page"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-5", "limit"),
        ("search=" + "x" * 101, "search"),
    ],
)
def test_a_bad_query_value_is_a_400_naming_it(
    api: Api, admin: Account, query: str, field: str
) -> None:
    response = api.get(f"{USERS}?{query}", token=admin.access_token)

    assert response.status_code == 400
    assert error_fields(response) == {field}


def test_a_bad_query_is_a_400_even_before_authentication(api: Api) -> None:
    response = api.get(f"{USERS}?limit=1000")

    assert response.status_code == 400
    assert error_fields(response) == {"limit"}


def test_anything_else_in_the_query_is_ignored(api: Api, admin: Account) -> None:
    response = api.get(f"{USERS}?sort=name&page=1", token=admin.access_token)

    assert response.status_code == 200


def test_an_admin_is_listed_with_its_role(api: Api, admin: Account) -> None:
    data = api.get(USERS, token=admin.access_token).json()["data"]

    assert data[0]["role"] == Role.ADMIN.value
