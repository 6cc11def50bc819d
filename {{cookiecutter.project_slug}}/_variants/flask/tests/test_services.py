"""The services and repositories against the real database, with a clock the test moves."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher as Argon2Hasher
from sqlalchemy.orm import Session

from app.cache.memory import MemoryCache
from app.core.domain import Principal, Role
from app.core.errors import Conflict, Unauthorized
from app.core.listing import ListQuery
from app.core.security import PasswordHasher, TokenCodec, hash_refresh_token
from app.repositories.database import create_database_engine, session_factory
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from app.services.auth import AuthService
from app.services.users import UserService
from tests.conftest import JWT_SECRET, PASSWORD

ADMIN = Principal(user_id=0, role=Role.ADMIN)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_database_engine(database_url)
    with session_factory(engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(session: Session) -> UserService:
    return UserService(SqlUserRepository(session), MemoryCache(), PasswordHasher("cheapest"), 60)


@pytest.fixture
def auth(session: Session, users: UserService, clock: Clock) -> AuthService:
    codec = TokenCodec(secret=JWT_SECRET, issuer="tests", access_ttl_seconds=900)
    return AuthService(
        SqlUserRepository(session),
        users,
        SqlRefreshTokenRepository(session),
        PasswordHasher("cheapest"),
        codec,
        refresh_ttl_seconds=3600,
        clock=clock,
    )


def register(users: UserService, email: str = "ann@example.com") -> int:
    return users.register(email=email, name="Ann", password=PASSWORD, role=None, actor=None).id


def test_a_refresh_token_expires(auth: AuthService, users: UserService, clock: Clock) -> None:
    register(users)
    pair = auth.login("ann@example.com", PASSWORD)

    clock.now += timedelta(hours=1, seconds=1)

    with pytest.raises(Unauthorized):
        auth.refresh(pair.refresh_token)


def test_a_token_is_spent_once_even_when_raced(
    session: Session, auth: AuthService, users: UserService
) -> None:
    register(users)
    pair = auth.login("ann@example.com", PASSWORD)
    tokens = SqlRefreshTokenRepository(session)
    token_hash = hash_refresh_token(pair.refresh_token)
    now = datetime.now(UTC)

    assert tokens.mark_used(token_hash, now) is True
    assert tokens.mark_used(token_hash, now) is False


def test_a_login_upgrades_an_outdated_password_hash(
    session: Session, auth: AuthService, users: UserService
) -> None:
    user_id = register(users)
    weak_hash = Argon2Hasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    SqlUserRepository(session).update(user_id, {"password_hash": weak_hash})

    auth.login("ann@example.com", PASSWORD)

    credentials = SqlUserRepository(session).get_credentials("ann@example.com")
    assert credentials is not None and credentials.password_hash != weak_hash
    assert not PasswordHasher("cheapest").needs_rehash(credentials.password_hash)


def test_refreshing_for_a_user_deleted_meanwhile_is_refused(
    session: Session, auth: AuthService, users: UserService
) -> None:
    user_id = register(users)
    pair = auth.login("ann@example.com", PASSWORD)
    users.delete(user_id, ADMIN)

    with pytest.raises(Unauthorized):
        auth.refresh(pair.refresh_token)


def test_emails_are_unique_case_insensitively(users: UserService) -> None:
    register(users)

    with pytest.raises(Conflict):
        register(users, "ANN@EXAMPLE.COM")


def test_listing_breaks_ties_by_id_newest_first(session: Session, users: UserService) -> None:
    repository = SqlUserRepository(session)
    ids = [register(users, f"u{index}@example.com") for index in range(3)]
    same_moment = datetime(2026, 1, 1, tzinfo=UTC)
    for user_id in ids:
        repository.update(user_id, {"created_at": same_moment})

    page = repository.list(ListQuery(page=1, limit=10))

    assert [user.id for user in page.items] == sorted(ids, reverse=True)


def test_deleting_an_unknown_user_deletes_nothing(session: Session) -> None:
    assert SqlUserRepository(session).delete(123456) is False
    assert SqlUserRepository(session).update(123456, {"name": "X"}) is None
