"""A read after a write sees the write: the cache never serves what a write replaced.

Each request opens its own connection, so with several workers (Redis configured) the
reads and writes land on different processes.
"""

import pytest

from tests.contract.conftest import EVERY_BACKEND
from tests.contract.helpers import ME, USERS, Api, assert_status, marker

pytestmark = [pytest.mark.contract, EVERY_BACKEND]


def test_read_after_patch_sees_the_new_name(api: Api) -> None:
    account = api.account(name="Cached Name")
    path = api.user_path(account.id)
    for _ in range(3):
        assert api.client.get(path, headers=account.auth).json()["data"]["name"] == "Cached Name"
    for round_number in range(3):
        name = f"Renamed {round_number}"
        assert_status(api.client.patch(path, json={"name": name}, headers=account.auth), 200)
        for _ in range(3):
            assert api.client.get(path, headers=account.auth).json()["data"]["name"] == name
            assert api.client.get(ME, headers=account.auth).json()["data"]["name"] == name


def test_list_after_sign_up_includes_the_new_user(api: Api) -> None:
    admin = api.admin()
    tag = marker()
    for _ in range(2):
        empty = api.client.get(USERS, params={"search": tag}, headers=admin.auth).json()
        assert empty["pagination"]["total"] == 0
    first_page = api.client.get(USERS, headers=admin.auth).json()
    response = api.sign_up(name=f"Listed {tag}")
    assert_status(response, 201)
    new_id = response.json()["data"]["id"]
    for _ in range(3):
        found = api.client.get(USERS, params={"search": tag}, headers=admin.auth).json()
        assert [u["id"] for u in found["data"]] == [new_id]
        newest = api.client.get(USERS, headers=admin.auth).json()
        assert newest["data"][0]["id"] == new_id
        assert newest["pagination"]["total"] == first_page["pagination"]["total"] + 1


def test_list_after_patch_and_delete_sees_them(api: Api) -> None:
    admin = api.admin()
    tag = marker()
    account = api.account(name=f"Before {tag}")
    path = api.user_path(account.id)

    def names() -> list[str]:
        body = api.client.get(USERS, params={"search": tag}, headers=admin.auth).json()
        return [u["name"] for u in body["data"]]

    assert names() == [f"Before {tag}"]
    assert_status(api.client.patch(path, json={"name": f"After {tag}"}, headers=admin.auth), 200)
    for _ in range(3):
        assert names() == [f"After {tag}"]
    assert_status(api.client.delete(path, headers=admin.auth), 204)
    for _ in range(3):
        assert names() == []


def test_read_after_delete_is_404_for_an_admin(api: Api) -> None:
    admin = api.admin()
    account = api.account()
    path = api.user_path(account.id)
    for _ in range(3):
        assert_status(api.client.get(path, headers=admin.auth), 200)
    assert_status(api.client.delete(path, headers=account.auth), 204)
    for _ in range(3):
        assert api.client.get(path, headers=admin.auth).status_code == 404
