"""The services and repositories against the real database, with a clock the test moves."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher as Argon2Hasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.adapters.cache.memory import MemoryCache
from app.core.domain import Credentials, Principal, RefreshToken, Role
from app.core.errors import Conflict, Unauthorized
from app.core.listing import ListQuery
from app.core.security import PasswordHasher, TokenCodec
from app.models import RefreshTokenRow
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


def token(user_id: int, token_hash: str, family_id: str = "family") -> RefreshToken:
    expires_at = datetime.now(UTC) + timedelta(days=1)
    return RefreshToken(token_hash, user_id, family_id, expires_at, None, None)


def test_a_token_is_rotated_once_and_revoked_by_family(session: Session) -> None:
    user_id = (
        SqlUserRepository(session)
        .add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
        .id
    )
    tokens = SqlRefreshTokenRepository(session)
    now = datetime.now(UTC)
    assert tokens.add(token(user_id, "first"), "h") is True

    assert tokens.rotate("first", token(user_id, "second"), now) is True
    assert tokens.rotate("first", token(user_id, "third"), now) is False
    assert tokens.get("third") is None
    tokens.revoke_family(user_id, "family", now)
    assert tokens.rotate("second", token(user_id, "fourth"), now) is False
    revoked = tokens.get("second")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_token_is_spent_once_even_when_raced(session: Session, database_url: str) -> None:
    """Rotations of one token, each in a thread and a session of its own, released at once
    by a barrier: one spends it, the others find it spent and store nothing."""
    users = SqlUserRepository(session)
    user_id = users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h").id
    assert SqlRefreshTokenRepository(session).add(token(user_id, "first"), "h") is True
    racers = 8
    barrier = threading.Barrier(racers)
    engine = create_database_engine(database_url)

    def rotate(racer: int) -> bool:
        with session_factory(engine)() as own:
            tokens = SqlRefreshTokenRepository(own)
            barrier.wait()
            return tokens.rotate("first", token(user_id, f"next-{racer}"), datetime.now(UTC))

    with ThreadPoolExecutor(racers) as pool:
        spent = list(pool.map(rotate, range(racers)))
    engine.dispose()

    assert spent.count(True) == 1
    stored = session.scalar(
        select(func.count()).select_from(RefreshTokenRow).where(RefreshTokenRow.user_id == user_id)
    )
    assert stored == 2


def test_no_token_is_stored_once_the_password_changed_or_the_user_went(session: Session) -> None:
    users = SqlUserRepository(session)
    tokens = SqlRefreshTokenRepository(session)
    user = users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
    now = datetime.now(UTC)

    assert tokens.add(token(user.id, "stale"), "a hash it had before") is False
    assert users.upgrade_password_hash(user.id, "a hash it had before", "h2") is False
    assert users.upgrade_password_hash(user.id, "h", "h2") is True
    assert tokens.add(token(user.id, "first"), "h2") is True
    assert users.delete(user.id) is True
    assert tokens.add(token(user.id, "orphan"), "h2") is False
    assert tokens.rotate("first", token(user.id, "second"), now) is False
    for token_hash in ("stale", "first", "orphan", "second"):
        assert tokens.get(token_hash) is None


def test_an_update_of_a_user_deleted_since_it_was_read_finds_no_one(
    session: Session, database_url: str
) -> None:
    users = SqlUserRepository(session)
    user = users.add(email="a@example.com", name="A", role=Role.USER, password_hash="h")
    assert users.get(user.id) == user
    engine = create_database_engine(database_url)
    with session_factory(engine)() as other:
        assert SqlUserRepository(other).delete(user.id) is True
    engine.dispose()

    assert users.update(user.id, {"name": "Renamed"}) is None


def test_a_password_change_revokes_every_family_of_the_user_only(
    auth: AuthService, users: UserService
) -> None:
    ann = register(users)
    register(users, "bob@example.com")
    families = [auth.login("ann@example.com", PASSWORD) for _ in range(2)]
    others = auth.login("bob@example.com", PASSWORD)

    users.update(ann, {"name": "Anna"}, ADMIN)
    renamed = auth.refresh(families[0].refresh_token)
    users.update(ann, {"password": "a new long password"}, ADMIN)

    for pair in (renamed, families[1]):
        with pytest.raises(Unauthorized):
            auth.refresh(pair.refresh_token)
    auth.refresh(others.refresh_token)


@pytest.mark.parametrize("hash_is_outdated", [False, True])
def test_a_login_whose_password_changes_before_its_family_is_stored_is_refused(
    session: Session,
    auth: AuthService,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    hash_is_outdated: bool,
) -> None:
    """A password change lands between the login's read of the credentials and its new
    family (and, for an outdated hash, its upgrade): no family of the old password is born."""
    outdated = Argon2Hasher(time_cost=1, memory_cost=8192)
    hasher = outdated if hash_is_outdated else PasswordHasher("cheapest")
    user = SqlUserRepository(session).add(
        email="ann@example.com", name="Ann", role=Role.USER, password_hash=hasher.hash(PASSWORD)
    )
    read_credentials = SqlUserRepository.get_credentials
    engine = create_database_engine(database_url)

    def read_then_change_password(self: SqlUserRepository, email: str) -> Credentials | None:
        credentials = read_credentials(self, email)
        with session_factory(engine)() as other:
            new_hash = PasswordHasher("cheapest").hash("a new long password")
            SqlUserRepository(other).update(user.id, {"password_hash": new_hash})
        return credentials

    monkeypatch.setattr(SqlUserRepository, "get_credentials", read_then_change_password)
    with pytest.raises(Unauthorized):
        auth.login("ann@example.com", PASSWORD)
    engine.dispose()

    assert session.scalar(select(func.count()).select_from(RefreshTokenRow)) == 0


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
