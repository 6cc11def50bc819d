"""The repositories against the real database: domain types out, Conflict on a taken e-mail."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from app.core.domain import RefreshToken, Role
from app.core.errors import Conflict
from app.core.listing import ListQuery
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from tests.helpers import resources_of


async def test_users_come_back_as_domain_users_in_utc(app: FastAPI) -> None:
    async with resources_of(app).sessionmaker() as session:
        users = SqlUserRepository(session)
        added = await users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
        fetched = await users.get(added.id)
        credentials = await users.get_credentials("A@EXAMPLE.COM")

    assert fetched == added
    assert fetched.created_at.tzinfo is not None
    assert fetched.created_at.utcoffset() == timedelta(0)
    assert credentials is not None
    assert credentials.password_hash == "h"


async def test_a_taken_email_is_a_conflict_and_the_session_goes_on(app: FastAPI) -> None:
    async with resources_of(app).sessionmaker() as session:
        users = SqlUserRepository(session)
        first = await users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
        second = await users.add(email="b@example.com", name="B", role=Role.USER, password_hash="h")
        with pytest.raises(Conflict):
            await users.add(email="a@example.com", name="A2", role=Role.USER, password_hash="h")
        with pytest.raises(Conflict):
            await users.update(second.id, {"email": "a@example.com"})
        page = await users.list(ListQuery())

    assert [user.id for user in page.items] == [second.id, first.id]


async def test_missing_users_are_none_or_false(app: FastAPI) -> None:
    async with resources_of(app).sessionmaker() as session:
        users = SqlUserRepository(session)
        assert await users.get(123456) is None
        assert await users.update(123456, {"name": "X"}) is None
        assert await users.delete(123456) is False
        assert await users.get_credentials("nobody@example.com") is None


async def test_an_update_of_a_user_deleted_since_it_was_read_finds_no_one(app: FastAPI) -> None:
    sessionmaker = resources_of(app).sessionmaker
    async with sessionmaker() as session, sessionmaker() as other:
        users = SqlUserRepository(session)
        user = await users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
        assert await users.get(user.id) == user
        assert await SqlUserRepository(other).delete(user.id) is True

        assert await users.update(user.id, {"name": "Renamed"}) is None


def token(user_id: int, token_hash: str, family_id: str = "family") -> RefreshToken:
    expires_at = datetime.now(UTC) + timedelta(days=1)
    return RefreshToken(token_hash, user_id, family_id, expires_at, None, None)


async def test_a_refresh_token_is_rotated_once_and_revoked_by_family(app: FastAPI) -> None:
    now = datetime.now(UTC)
    async with resources_of(app).sessionmaker() as session:
        user = await SqlUserRepository(session).add(
            email="a@example.com", name="A", role=Role.USER, password_hash="h"
        )
        tokens = SqlRefreshTokenRepository(session)
        assert await tokens.add(token(user.id, "first"), "h") is True

        assert await tokens.rotate("first", token(user.id, "second"), now) is True
        assert await tokens.rotate("first", token(user.id, "third"), now) is False
        await tokens.revoke_family(user.id, "family", now)
        spent = await tokens.get("first")
        revoked = await tokens.get("second")
        assert await tokens.get("third") is None
        assert await tokens.get("unknown") is None
        assert await tokens.rotate("second", token(user.id, "fourth"), now) is False

    assert spent is not None
    assert spent.used_at is not None
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert revoked.expires_at.tzinfo is not None


async def test_no_token_is_stored_once_the_password_changed_or_the_user_went(
    app: FastAPI,
) -> None:
    now = datetime.now(UTC)
    async with resources_of(app).sessionmaker() as session:
        users = SqlUserRepository(session)
        tokens = SqlRefreshTokenRepository(session)
        user = await users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")

        assert await tokens.add(token(user.id, "stale"), "a hash it had before") is False
        assert await users.upgrade_password_hash(user.id, "a hash it had before", "h2") is False
        assert await users.upgrade_password_hash(user.id, "h", "h2") is True
        assert await tokens.add(token(user.id, "first"), "h2") is True
        assert await users.delete(user.id) is True
        assert await tokens.add(token(user.id, "orphan"), "h2") is False
        assert await tokens.rotate("first", token(user.id, "second"), now) is False
        assert await users.upgrade_password_hash(user.id, "h2", "h3") is False

        for token_hash in ("stale", "first", "orphan", "second"):
            assert await tokens.get(token_hash) is None


async def revoked(tokens: SqlRefreshTokenRepository, *token_hashes: str) -> set[str]:
    found = [await tokens.get(token_hash) for token_hash in token_hashes]
    return {token.token_hash for token in found if token and token.revoked_at}


async def test_a_new_password_revokes_every_family_of_its_user_only(app: FastAPI) -> None:
    async with resources_of(app).sessionmaker() as session:
        users = SqlUserRepository(session)
        tokens = SqlRefreshTokenRepository(session)
        user = await users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
        other = await users.add(email="b@example.com", name="B", role=Role.USER, password_hash="h")
        for owner, family_id in ((user, "f1"), (user, "f2"), (other, "f3")):
            assert await tokens.add(token(owner.id, family_id, family_id), "h") is True

        await users.update(user.id, {"name": "Renamed"})
        assert await revoked(tokens, "f1", "f2", "f3") == set()
        changed = await users.update(user.id, {"password_hash": "new"})
        assert await revoked(tokens, "f1", "f2", "f3") == {"f1", "f2"}

    assert changed is not None
    assert changed.name == "Renamed"
