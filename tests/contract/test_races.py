"""Requests that race each other end in the contract's answers, and leave a state that a
fresh read and the database agree on (docs/decisions.md, "Races").

A batch of requests is fired at once (tests/contract/races.py) at the main server on
PostgreSQL and Redis, a few rounds each. That server runs a worker per core (two on the
2-core machines the suite's time is measured on), so a batch meets several processes
sharing the database and Redis. Every answer must be one the contract names for the
state its request met (never a 5xx), and what is left afterwards is checked through the
API and in the database itself.
"""

import time
from typing import Any

import httpx
import psycopg
import pytest

from harness.servers import LiveServer
from tests.contract.conftest import NEEDS_SERVICES, SERVICE_PARAMS
from tests.contract.helpers import (
    LOGIN,
    LOGOUT,
    ME,
    PASSWORD,
    REFRESH,
    USERS,
    Api,
    assert_error,
    assert_status,
    assert_token_pair,
    unique_email,
)
from tests.contract.races import Send, assert_statuses, race, statuses
from tests.contract.test_rate_limits import limits

pytestmark = [
    pytest.mark.contract,
    NEEDS_SERVICES,
    pytest.mark.parametrize("server", SERVICE_PARAMS, indirect=True),
]

ROUNDS = 5
BATCH = 10
# Enough of the rate-limit window left for every batch of a count to fall in it.
ROOM_SECONDS = 6


def stored(server: LiveServer, query: str, *params: Any) -> Any:
    """The one value `query` selects, read from the server's database itself."""
    with psycopg.connect(server.databases[0], autocommit=True) as connection:
        row = connection.execute(query, params).fetchone()
    assert row is not None, query
    return row[0]


def live_refresh_tokens(server: LiveServer, user_id: int) -> int:
    """The user's refresh tokens that are neither revoked nor spent."""
    return int(
        stored(
            server,
            "SELECT count(*) FROM refresh_tokens"
            " WHERE user_id = %s AND revoked_at IS NULL AND used_at IS NULL",
            user_id,
        )
    )


def user_rows(server: LiveServer, user_id: int) -> int:
    return int(stored(server, "SELECT count(*) FROM users WHERE id = %s", user_id))


def refresh(token: str) -> Send:
    return lambda client: client.post(REFRESH, json={"refresh_token": token})


def logout(token: str) -> Send:
    return lambda client: client.post(LOGOUT, json={"refresh_token": token})


def login(email: str, password: str = PASSWORD) -> Send:
    return lambda client: client.post(LOGIN, json={"email": email, "password": password})


def patch(path: str, body: dict[str, Any], auth: dict[str, str]) -> Send:
    return lambda client: client.patch(path, json=body, headers=auth)


def delete(path: str, auth: dict[str, str]) -> Send:
    return lambda client: client.delete(path, headers=auth)


def get(path: str, auth: dict[str, str]) -> Send:
    return lambda client: client.get(path, headers=auth)


def sign_up(email: str) -> Send:
    body = {"email": email, "name": "Contract User", "password": PASSWORD}
    return lambda client: client.post(USERS, json=body)


def refresh_tokens_in(responses: list[httpx.Response]) -> list[str]:
    return [r.json()["refresh_token"] for r in responses if r.status_code == 200]


def assert_refresh_refused(api: Api, tokens: list[str]) -> None:
    for token in tokens:
        assert_error(api.client.post(REFRESH, json={"refresh_token": token}), 401, "unauthorized")


def test_a_user_deleted_while_being_renamed_is_gone_never_a_500(
    api: Api, server: LiveServer
) -> None:
    admin = api.admin()
    for round_number in range(ROUNDS):
        account = api.account()
        path = api.user_path(account.id)
        names = [f"Renamed {round_number}-{turn}" for turn in range(BATCH // 2)]
        sends: list[Send] = []
        for name in names:
            sends += [delete(path, admin.auth), patch(path, {"name": name}, admin.auth)]
        responses = race(api.client, sends)
        deletions, renames = responses[0::2], responses[1::2]
        assert sorted(statuses(deletions)) == [204] + [404] * (len(deletions) - 1), statuses(
            responses
        )
        assert_statuses(renames, {200, 404})
        for response, name in zip(renames, names, strict=True):
            if response.status_code == 200:
                assert response.json()["data"]["name"] == name, response.text
        for response in (*deletions, *renames):
            if response.status_code == 404:
                assert_error(response, 404, "not_found")
        assert_error(api.client.get(path, headers=admin.auth), 404, "not_found")
        assert user_rows(server, account.id) == 0
        assert_refresh_refused(api, [account.refresh_token])
        assert_error(api.login(account.email), 401, "unauthorized")


def test_concurrent_renames_leave_the_last_committed_in_every_read(
    api: Api, server: LiveServer
) -> None:
    for round_number in range(ROUNDS):
        account = api.account()
        path = api.user_path(account.id)
        names = [f"Name {round_number}-{turn}" for turn in range(BATCH)]
        responses = race(api.client, [patch(path, {"name": n}, account.auth) for n in names])
        assert_statuses(responses, {200})
        # Each answer is the user as its own write left it.
        assert [r.json()["data"]["name"] for r in responses] == names
        last = stored(server, "SELECT name FROM users WHERE id = %s", account.id)
        assert last in names
        for _ in range(3):
            assert api.client.get(path, headers=account.auth).json()["data"]["name"] == last
            assert api.client.get(ME, headers=account.auth).json()["data"]["name"] == last


def test_one_address_claimed_at_once_goes_to_exactly_one(api: Api, server: LiveServer) -> None:
    accounts = [api.account() for _ in range(BATCH)]
    for _ in range(ROUNDS):
        email = unique_email("claimed")
        signed_up = race(api.client, [sign_up(email)] * BATCH)
        assert sorted(statuses(signed_up)) == [201] + [409] * (BATCH - 1)
        wanted = unique_email("wanted")
        changed = race(
            api.client,
            [patch(api.user_path(a.id), {"email": wanted}, a.auth) for a in accounts],
        )
        assert sorted(statuses(changed)) == [200] + [409] * (BATCH - 1)
        for response in (*signed_up, *changed):
            if response.status_code == 409:
                assert_error(response, 409, "conflict")
        winner = next(r for r in changed if r.status_code == 200).json()["data"]["id"]
        assert stored(server, "SELECT id FROM users WHERE email = %s", wanted) == winner


def test_a_refresh_token_spent_by_many_at_once_revokes_its_family(
    api: Api, server: LiveServer
) -> None:
    for _ in range(ROUNDS):
        account = api.account()
        responses = race(api.client, [refresh(account.refresh_token)] * BATCH)
        assert sorted(statuses(responses)) == [200] + [401] * (BATCH - 1)
        for response in responses:
            if response.status_code == 401:
                assert_error(response, 401, "unauthorized")
        winner = assert_token_pair(next(r for r in responses if r.status_code == 200))
        # Every loser presented a spent token: the winner's successor is revoked too.
        assert live_refresh_tokens(server, account.id) == 0
        assert_refresh_refused(api, [winner["refresh_token"]])
        assert_token_pair(api.login(account.email))


def test_a_deletion_racing_logins_refreshes_and_logouts(api: Api, server: LiveServer) -> None:
    admin = api.admin()
    for _ in range(ROUNDS):
        account = api.account()
        path = api.user_path(account.id)
        tokens = [account.refresh_token] + [
            api.tokens(account.email)["refresh_token"] for _ in range(5)
        ]
        sends = [delete(path, account.auth)]
        sends += [login(account.email)] * 3
        sends += [refresh(token) for token in tokens[:3]]
        sends += [logout(token) for token in tokens[3:]]
        responses = race(api.client, sends)
        deletion, logins, refreshes, logouts = (
            responses[0],
            responses[1:4],
            responses[4:7],
            responses[7:],
        )
        assert_status(deletion, 204)
        assert_statuses(logins, {200, 401})
        assert_statuses(refreshes, {200, 401})
        assert_statuses(logouts, {204, 401})
        assert_error(api.client.get(path, headers=admin.auth), 404, "not_found")
        assert user_rows(server, account.id) == 0
        tokens_left = "SELECT count(*) FROM refresh_tokens WHERE user_id = %s"
        assert stored(server, tokens_left, account.id) == 0
        assert_refresh_refused(api, tokens + refresh_tokens_in(logins + refreshes))
        assert_error(api.login(account.email), 401, "unauthorized")


def test_no_refresh_token_family_survives_a_password_change(api: Api, server: LiveServer) -> None:
    admin = api.admin()
    for round_number in range(ROUNDS):
        account = api.account()
        tokens = [account.refresh_token] + [
            api.tokens(account.email)["refresh_token"] for _ in range(4)
        ]
        new_password = f"a new password {round_number}"
        sends = [patch(api.user_path(account.id), {"password": new_password}, admin.auth)]
        sends += [refresh(token) for token in tokens]
        sends += [login(account.email)] * 4
        responses = race(api.client, sends)
        change, refreshes, logins = responses[0], responses[1:6], responses[6:]
        assert_status(change, 200)
        assert_statuses(refreshes, {200, 401})
        assert_statuses(logins, {200, 401})
        assert live_refresh_tokens(server, account.id) == 0
        assert_refresh_refused(api, tokens + refresh_tokens_in(refreshes + logins))
        assert_error(api.login(account.email), 401, "unauthorized")
        assert_token_pair(api.login(account.email, new_password))


def test_a_role_change_applies_to_every_request_after_it(api: Api, server: LiveServer) -> None:
    admin = api.admin()
    for _ in range(ROUNDS):
        account = api.account()
        path = api.user_path(account.id)
        for role, listing in (("admin", 200), ("user", 403)):
            sends = [patch(path, {"role": role}, admin.auth)]
            sends += [get(USERS, account.auth), get(ME, account.auth)] * ((BATCH - 1) // 2)
            responses = race(api.client, sends)
            assert_status(responses[0], 200)
            assert responses[0].json()["data"]["role"] == role
            assert_statuses(responses[1::2], {200, 403})
            assert_statuses(responses[2::2], {200})
            for _ in range(3):
                assert_status(api.client.get(USERS, headers=account.auth), listing)
                me = api.client.get(ME, headers=account.auth)
                assert me.json()["data"]["role"] == role
            assert stored(server, "SELECT role FROM users WHERE id = %s", account.id) == role


def test_concurrent_requests_move_the_rate_limit_count_by_exactly_their_number(
    api: Api, server: LiveServer
) -> None:
    """Counted per IP: a request's tiers are all counted in one call, the same for each."""

    def send(client: httpx.Client) -> httpx.Response:
        return client.get("/api/v1/nowhere")

    first = send(api.client)
    if limits(first)[2] < ROOM_SECONDS:
        time.sleep(limits(first)[2] + 1)
        first = send(api.client)
    remaining = limits(first)[1]
    for _ in range(ROUNDS):
        responses = race(api.client, [send] * BATCH)
        assert_statuses(responses, {404})
        counted = sorted(limits(response)[1] for response in responses)
        assert counted == list(range(remaining - BATCH, remaining)), (remaining, counted)
        remaining -= BATCH
    assert limits(send(api.client))[1] == remaining - 1
