"""Cache-aside reads, and writes that invalidate before the response is sent."""

import importlib.util
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.cache import CacheBackend, connect_cache
from app.cache.memory import MemoryCache
from app.core import cache_keys
from app.core.domain import Role
from app.repositories.users import SqlUserRepository
from tests.helpers import add_user, resources_of, signed_in


async def rename_behind_the_cache(app: FastAPI, user_id: int, name: str) -> None:
    """A change the service never sees, so the cache is not told."""
    async with resources_of(app).sessionmaker() as session:
        await SqlUserRepository(session).update(user_id, {"name": name})


async def test_reads_come_from_the_cache(app: FastAPI, client: httpx.AsyncClient) -> None:
    user, headers = await signed_in(app, client, "me@example.com")
    assert (await client.get("/api/v1/users/me", headers=headers)).status_code == 200

    await rename_behind_the_cache(app, user.id, "Changed Elsewhere")

    cached = await client.get("/api/v1/users/me", headers=headers)
    assert cached.json()["data"]["name"] == "Test User"


async def test_a_write_invalidates_the_user_and_the_list(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await add_user(app, "me@example.com")
    _, admin = await signed_in(app, client, "admin@example.com", Role.ADMIN)
    await client.get(f"/api/v1/users/{user.id}", headers=admin)
    listed = await client.get("/api/v1/users", headers=admin)
    assert listed.json()["pagination"]["total"] == 2

    await client.patch(f"/api/v1/users/{user.id}", json={"name": "Renamed"}, headers=admin)
    read = await client.get(f"/api/v1/users/{user.id}", headers=admin)
    names = await client.get("/api/v1/users", headers=admin)
    assert read.json()["data"]["name"] == "Renamed"
    assert "Renamed" in {u["name"] for u in names.json()["data"]}

    await client.post(
        "/api/v1/users",
        json={"email": "new@example.com", "name": "New", "password": "a long password"},
    )
    assert (await client.get("/api/v1/users", headers=admin)).json()["pagination"]["total"] == 3

    await client.delete(f"/api/v1/users/{user.id}", headers=admin)
    after = await client.get("/api/v1/users", headers=admin)
    assert after.json()["pagination"]["total"] == 2
    assert (await client.get(f"/api/v1/users/{user.id}", headers=admin)).status_code == 404


def backends() -> list[str]:
    with_redis = os.environ.get("TEST_REDIS_URL") and importlib.util.find_spec("redis")
    return ["memory", "redis"] if with_redis else ["memory"]


@pytest.fixture(params=backends())
async def cache(
    request: pytest.FixtureRequest, redis_url: str | None
) -> AsyncIterator[CacheBackend]:
    backend = connect_cache(redis_url if request.param == "redis" else None)
    yield backend
    await backend.close()


KEY = cache_keys.user_key(1)
SCOPE = cache_keys.user_scope(1)


async def test_a_miss_is_filled_and_then_hit(cache: CacheBackend) -> None:
    missed = await cache.lookup(KEY, SCOPE)
    await cache.fill(KEY, "from the database", 60, SCOPE, missed.version)

    assert missed.value is None
    assert (await cache.lookup(KEY, SCOPE)).value == "from the database"


async def test_no_fill_lands_while_a_write_is_in_flight(cache: CacheBackend) -> None:
    await cache.fill(KEY, "old", 60, SCOPE, (await cache.lookup(KEY, SCOPE)).version)

    await cache.begin_write([SCOPE])
    during = await cache.lookup(KEY, SCOPE)
    await cache.fill(KEY, "read during the write", 60, SCOPE, during.version)
    still_empty = await cache.lookup(KEY, SCOPE)
    await cache.end_write([SCOPE])
    after = await cache.lookup(KEY, SCOPE)
    await cache.fill(KEY, "read after the write", 60, SCOPE, after.version)

    assert (during.value, still_empty.value, after.value) == (None, None, None)
    assert (await cache.lookup(KEY, SCOPE)).value == "read after the write"


async def test_a_value_read_before_a_write_is_never_stored_after_it(cache: CacheBackend) -> None:
    noted = (await cache.lookup(KEY, SCOPE)).version

    await cache.begin_write([SCOPE])
    await cache.end_write([SCOPE])
    await cache.fill(KEY, "read before the write", 60, SCOPE, noted)

    assert (await cache.lookup(KEY, SCOPE)).value is None


async def test_overlapping_writes_keep_fills_out_until_the_last_one_ends(
    cache: CacheBackend,
) -> None:
    await cache.begin_write([SCOPE])
    await cache.begin_write([SCOPE, cache_keys.USERS_LIST])
    await cache.end_write([SCOPE])
    one_left = await cache.lookup(KEY, SCOPE)
    await cache.fill(KEY, "read while one write is in flight", 60, SCOPE, one_left.version)
    refused = await cache.lookup(KEY, SCOPE)
    await cache.end_write([SCOPE, cache_keys.USERS_LIST])
    none_left = await cache.lookup(KEY, SCOPE)
    await cache.fill(KEY, "read after both", 60, SCOPE, none_left.version)

    assert refused.value is None
    assert (await cache.lookup(KEY, SCOPE)).value == "read after both"


async def test_memory_entries_expire() -> None:
    cache = MemoryCache()
    await cache.fill(KEY, "value", 0, SCOPE, (await cache.lookup(KEY, SCOPE)).version)

    assert (await cache.lookup(KEY, SCOPE)).value is None
    assert await cache.ping()
