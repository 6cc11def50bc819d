"""What the services need from the layers below, as protocols."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from app.core.cache_coherence import Lookup, Scope
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
    """Cache-aside with coherent writes (app/core/cache_coherence.py). Reads and fills
    fail open: an unreachable backend is a miss and stores nothing. A write that cannot
    begin raises Unavailable, before anything is written."""

    def lookup(self, key: str, scope: Scope) -> Lookup: ...

    def version(self, scope: Scope) -> str: ...

    def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None: ...

    def begin_write(self, scopes: Sequence[Scope]) -> None: ...

    def end_write(self, scopes: Sequence[Scope]) -> None: ...


class Hasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_dummy(self, password: str) -> None: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
