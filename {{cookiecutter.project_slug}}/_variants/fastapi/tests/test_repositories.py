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


async def test_a_refresh_token_is_spent_once_and_revoked_by_family(app: FastAPI) -> None:
    now = datetime.now(UTC)
    async with resources_of(app).sessionmaker() as session:
        user = await SqlUserRepository(session).add(
            email="a@example.com", name="A", role=Role.USER, password_hash="h"
        )
        tokens = SqlRefreshTokenRepository(session)
        for token_hash in ("first", "second"):
            await tokens.add(
                RefreshToken(token_hash, user.id, "family", now + timedelta(days=1), None, None)
            )

        assert await tokens.mark_used("first", now) is True
        assert await tokens.mark_used("first", now) is False
        await tokens.revoke_family("family", now)
        spent = await tokens.get("first")
        revoked = await tokens.get("second")
        assert await tokens.get("unknown") is None

    assert spent is not None
    assert spent.used_at is not None
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert revoked.expires_at.tzinfo is not None
