"""Cache-aside reads, and writes that invalidate before the response is sent."""

import httpx
from fastapi import FastAPI

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
