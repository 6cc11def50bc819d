"""What the services need from the layers below, as protocols."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from app.core.cache_coherence import Lookup, Scope
from app.core.domain import Credentials, Page, RefreshToken, Role, User
from app.core.listing import ListQuery


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def get_credentials(self, email: str) -> Credentials | None: ...

    async def add(self, *, email: str, name: str, role: Role, password_hash: str) -> User:
        """Raises Conflict when the e-mail is taken."""
        ...

    async def update(self, user_id: int, changes: Mapping[str, Any]) -> User | None:
        """The user as this one write left it; None when the user is gone. A new
        `password_hash` revokes every refresh-token family of the user in the same
        transaction. Raises Conflict when the e-mail is taken."""
        ...

    async def upgrade_password_hash(self, user_id: int, verified_hash: str, new_hash: str) -> bool:
        """Replaces the hash a login just verified with a new one of the same password;
        False, changing nothing, when the password changed or the user went meanwhile."""
        ...

    async def delete(self, user_id: int) -> bool:
        """Deletes the user and the user's refresh tokens."""
        ...

    async def list(self, query: ListQuery) -> Page[User]: ...


class RefreshTokenRepository(Protocol):
    """Every write holds the user's row until it commits, so writes of one user's tokens
    happen one after another and each sees every token committed before it: a token is
    never born beside a revocation that should have met it. (PostgreSQL's READ COMMITTED
    gives each statement a snapshot taken when it starts, so without the row a revocation
    running beside a rotation in flight would miss the successor it was about to insert.)"""

    async def get(self, token_hash: str) -> RefreshToken | None: ...

    async def add(self, token: RefreshToken, password_hash: str) -> bool:
        """Stores a new family's first token while its user exists with `password_hash`
        (the hash the login verified); False, storing nothing, otherwise."""
        ...

    async def rotate(self, token_hash: str, successor: RefreshToken, now: datetime) -> bool:
        """Spends an unspent, unrevoked token and stores its successor, in one transaction;
        False, storing nothing, when the token was spent or revoked or its user is gone."""
        ...

    async def revoke_family(self, user_id: int, family_id: str, now: datetime) -> None: ...


class Cache(Protocol):
    """Cache-aside with coherent writes (app/core/cache_coherence.py). Reads and fills
    fail open: an unreachable backend is a miss and stores nothing. A write that cannot
    begin raises Unavailable, before anything is written."""

    async def lookup(self, key: str, scope: Scope) -> Lookup: ...

    async def version(self, scope: Scope) -> str: ...

    async def fill(
        self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str
    ) -> None: ...

    async def begin_write(self, scopes: Sequence[Scope]) -> None: ...

    async def end_write(self, scopes: Sequence[Scope]) -> None: ...


class Hasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    async def verify_dummy(self, password: str) -> None: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class Clock(Protocol):
    def __call__(self) -> datetime: ...
