"""What the services need from the layers below, as protocols."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from app.core.domain import Credentials, Page, RefreshToken, Role, User
from app.core.listing import ListQuery


class UserRepository(Protocol):
    def get(self, user_id: int) -> User | None: ...

    def get_credentials(self, email: str) -> Credentials | None: ...

    def add(self, *, email: str, name: str, role: Role, password_hash: str) -> User:
        """Raises Conflict when the e-mail is taken."""
        ...

    def update(self, user_id: int, changes: Mapping[str, Any]) -> User | None:
        """Raises Conflict when the e-mail is taken."""
        ...

    def delete(self, user_id: int) -> bool:
        """Deletes the user and the user's refresh tokens."""
        ...

    def list(self, query: ListQuery) -> Page[User]: ...


class RefreshTokenRepository(Protocol):
    def add(self, token: RefreshToken) -> None: ...

    def get(self, token_hash: str) -> RefreshToken | None: ...

    def mark_used(self, token_hash: str, now: datetime) -> bool:
        """Spends an unused, unrevoked token; False when it was already spent."""
        ...

    def revoke_family(self, family_id: str, now: datetime) -> None: ...


class Cache(Protocol):
    """Fails open: an unreachable backend reads as a miss and drops writes."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl_seconds: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def incr(self, key: str) -> None: ...


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_dummy(self, password: str) -> None: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
