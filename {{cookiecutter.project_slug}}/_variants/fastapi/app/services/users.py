"""Users: sign-up, reads through the cache, writes that invalidate it, and who may do what."""

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from app.core import cache_keys
from app.core.cache_coherence import Scope
from app.core.domain import Page, Principal, Role, User
from app.core.errors import Forbidden, NotFound
from app.core.listing import ListQuery
from app.services.ports import Cache, Hasher, UserRepository

T = TypeVar("T")


class UserService:
    """Lives for one request: a user it has read is not read again in that request."""

    def __init__(
        self, users: UserRepository, cache: Cache, hasher: Hasher, cache_ttl_seconds: int
    ) -> None:
        self._users = users
        self._cache = cache
        self._hasher = hasher
        self._ttl = cache_ttl_seconds
        # Authentication reads the caller, and a read of oneself would read it again.
        self._found: dict[int, User] = {}

    async def register(
        self, *, email: str, name: str, password: str, role: Role | None, actor: Principal | None
    ) -> User:
        if role is not None and not (actor and actor.is_admin):
            raise Forbidden("Only an admin may set a role")
        password_hash = await self._hasher.hash(password)
        return await self._coherently(
            (cache_keys.USERS_LIST,),
            lambda: self._users.add(
                email=email, name=name, role=role or Role.USER, password_hash=password_hash
            ),
        )

    async def find(self, user_id: int) -> User | None:
        """One user through the cache, with no permission check: for authentication."""
        found = self._found.get(user_id)
        if found is not None:
            return found
        key = cache_keys.user_key(user_id)
        scope = cache_keys.user_scope(user_id)
        cached, version = await self._cache.lookup(key, scope)
        if cached is not None:
            user: User | None = User.from_dict(json.loads(cached))
        else:
            user = await self._users.get(user_id)
            if user is not None:
                await self._cache.fill(key, json.dumps(user.to_dict()), self._ttl, scope, version)
        if user is not None:
            self._found[user_id] = user
        return user

    async def get(self, user_id: int, actor: Principal) -> User:
        self._authorize(user_id, actor)
        user = await self.find(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def list(self, query: ListQuery, actor: Principal) -> Page[User]:
        if not actor.is_admin:
            raise Forbidden("Only an admin may list users")
        version = await self._cache.version(cache_keys.USERS_LIST)
        key = cache_keys.users_page_key(version, query)
        cached, noted = await self._cache.lookup(key, cache_keys.USERS_LIST)
        if cached is not None:
            raw = json.loads(cached)
            return Page(
                items=[User.from_dict(item) for item in raw["items"]],
                page=query.page,
                limit=query.limit,
                total=raw["total"],
            )
        page = await self._users.list(query)
        payload = {"items": [user.to_dict() for user in page.items], "total": page.total}
        await self._cache.fill(key, json.dumps(payload), self._ttl, cache_keys.USERS_LIST, noted)
        return page

    async def update(self, user_id: int, changes: Mapping[str, Any], actor: Principal) -> User:
        """Applies a PUT or PATCH: `changes` holds validated writable fields only."""
        self._authorize(user_id, actor)
        if "role" in changes and not actor.is_admin:
            raise Forbidden("Only an admin may change a role")
        values = dict(changes)
        if "password" in values:
            password = values.pop("password")
            values["password_hash"] = await self._hasher.hash(password)
        self._found.pop(user_id, None)
        user = await self._coherently(
            self._scopes_of(user_id), lambda: self._users.update(user_id, values)
        )
        if user is None:
            raise NotFound("User not found")
        return user

    async def delete(self, user_id: int, actor: Principal) -> None:
        self._authorize(user_id, actor)
        self._found.pop(user_id, None)
        if not await self._coherently(
            self._scopes_of(user_id), lambda: self._users.delete(user_id)
        ):
            raise NotFound("User not found")

    @staticmethod
    def _authorize(user_id: int, actor: Principal) -> None:
        if not actor.may_act_on(user_id):
            raise Forbidden()

    @staticmethod
    def _scopes_of(user_id: int) -> tuple[Scope, ...]:
        return (cache_keys.user_scope(user_id), cache_keys.USERS_LIST)

    async def _coherently(self, scopes: Sequence[Scope], write: Callable[[], Awaitable[T]]) -> T:
        """A database write between the cache's begin and end (app/core/cache_coherence.py):
        refused before it starts when the cache cannot be told."""
        await self._cache.begin_write(scopes)
        try:
            return await write()
        finally:
            await self._cache.end_write(scopes)
