"""GET /api/v1/users: admins only, pagination, bounds, search and order."""

from typing import Any

import pytest

from tests.contract.conftest import EVERY_BACKEND
from tests.contract.helpers import (
    USERS,
    Account,
    Api,
    assert_error,
    assert_status,
    assert_user,
    marker,
    secrets_in,
    unique_email,
)

pytestmark = [pytest.mark.contract, EVERY_BACKEND]


def sign_up_named(api: Api, *names: str) -> list[int]:
    ids = []
    for name in names:
        response = api.sign_up(name=name)
        assert_status(response, 201)
        ids.append(response.json()["data"]["id"])
    return ids


def listing(api: Api, admin: Account, **params: str | int) -> dict[str, Any]:
    response = api.client.get(USERS, params=params, headers=admin.auth)
    assert_status(response, 200)
    page: dict[str, Any] = response.json()
    return page


def test_list_shape_and_defaults(api: Api) -> None:
    admin = api.admin()
    sign_up_named(api, "Shape One", "Shape Two")
    body = listing(api, admin)
    assert set(body) == {"data", "pagination"}
    assert set(body["pagination"]) == {"page", "limit", "total"}
    assert body["pagination"]["page"] == 1
    assert body["pagination"]["limit"] == 20
    assert body["pagination"]["total"] >= 3
    assert 2 <= len(body["data"]) <= 20
    for user in body["data"]:
        assert_user(user)
    assert not secrets_in(body)


def test_default_limit_is_20(api: Api) -> None:
    admin = api.admin()
    tag = marker()
    sign_up_named(api, *(f"{tag} {n}" for n in range(21)))
    body = listing(api, admin, search=tag)
    assert len(body["data"]) == 20
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 21}


def test_pages_newest_first(api: Api) -> None:
    admin = api.admin()
    tag = marker()
    ids = sign_up_named(api, *(f"{tag} {n}" for n in range(5)))
    newest_first = list(reversed(ids))
    first = listing(api, admin, search=tag, limit=2, page=1)
    second = listing(api, admin, search=tag, limit=2, page=2)
    third = listing(api, admin, search=tag, limit=2, page=3)
    beyond = listing(api, admin, search=tag, limit=2, page=4)
    assert [u["id"] for u in first["data"]] == newest_first[:2]
    assert [u["id"] for u in second["data"]] == newest_first[2:4]
    assert [u["id"] for u in third["data"]] == newest_first[4:]
    assert beyond["data"] == []
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 5}
    assert beyond["pagination"] == {"page": 4, "limit": 2, "total": 5}


@pytest.mark.parametrize("limit", [1, 100])
def test_limit_bounds_are_inclusive(api: Api, limit: int) -> None:
    admin = api.admin()
    body = listing(api, admin, limit=limit)
    assert body["pagination"]["limit"] == limit
    assert 1 <= len(body["data"]) <= limit


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": ""}, "page"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"search": "s" * 101}, "search"),
    ],
)
def test_bad_query_value_is_400_naming_it(api: Api, params: dict[str, Any], field: str) -> None:
    admin = api.admin()
    response = api.client.get(USERS, params=params, headers=admin.auth)
    assert_error(response, 400, "validation_error", {field})


def test_bad_query_value_is_400_before_authentication(api: Api) -> None:
    assert_error(api.client.get(USERS, params={"limit": "0"}), 400, "validation_error", {"limit"})


def test_search_of_100_characters_is_accepted(api: Api) -> None:
    admin = api.admin()
    body = listing(api, admin, search="s" * 100)
    assert body["data"] == [] and body["pagination"]["total"] == 0


def test_unknown_query_parameters_are_ignored(api: Api) -> None:
    admin = api.admin()
    body = listing(api, admin, limit=3, sort="name", foo="bar", order="asc")
    assert body["pagination"]["limit"] == 3


def test_empty_search_filters_nothing(api: Api) -> None:
    admin = api.admin()
    everything = listing(api, admin, limit=1)
    assert listing(api, admin, search="", limit=1)["pagination"] == everything["pagination"]


def test_search_matches_name_or_email_case_insensitively(api: Api) -> None:
    admin = api.admin()
    tag = marker()
    by_name = api.sign_up(name=f"Ann {tag.upper()} Lee").json()["data"]["id"]
    by_email = api.sign_up(email=unique_email(f"x{tag}y"), name="Nobody").json()["data"]["id"]
    api.sign_up(name="Unrelated")
    for search in (tag, tag.upper(), tag[2:8].upper(), tag.capitalize()):
        found = {u["id"] for u in listing(api, admin, search=search, limit=100)["data"]}
        assert found == {by_name, by_email}, search


@pytest.mark.parametrize("wildcard", ["%", "_", "\\"])
def test_search_takes_wildcards_literally(api: Api, wildcard: str) -> None:
    admin = api.admin()
    tag = marker()
    literal, other = sign_up_named(api, f"{tag} 50{wildcard}off", f"{tag} 50xoff")
    body = listing(api, admin, search=f"{tag} 50{wildcard}", limit=100)
    assert [u["id"] for u in body["data"]] == [literal]
    assert other not in {u["id"] for u in body["data"]}


def test_list_as_a_user_is_403(api: Api) -> None:
    account = api.account()
    assert_error(api.client.get(USERS, headers=account.auth), 403, "forbidden")


def test_list_without_a_token_is_401(api: Api) -> None:
    assert_error(api.client.get(USERS), 401, "unauthorized")
