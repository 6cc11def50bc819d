"""Users: sign-up, reads through the cache, writes that invalidate it, and who may do what."""

import json
from collections.abc import Mapping
from typing import Any

from app.core import cache_keys
from app.core.domain import Page, Principal, Role, User
from app.core.errors import Forbidden, NotFound
from app.core.listing import ListQuery
from app.services.ports import Cache, Hasher, UserRepository


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

    def register(
        self, *, email: str, name: str, password: str, role: Role | None, actor: Principal | None
    ) -> User:
        if role is not None and not (actor and actor.is_admin):
            raise Forbidden("Only an admin may set a role")
        password_hash = self._hasher.hash(password)
        user = self._users.add(
            email=email, name=name, role=role or Role.USER, password_hash=password_hash
        )
        self._cache.incr(cache_keys.USERS_LIST_VERSION)
        return user

    def find(self, user_id: int) -> User | None:
        """One user through the cache, with no permission check: for authentication."""
        found = self._found.get(user_id)
        if found is not None:
            return found
        key = cache_keys.user_key(user_id)
        cached = self._cache.get(key)
        if cached is not None:
            user: User | None = User.from_dict(json.loads(cached))
        else:
            user = self._users.get(user_id)
            if user is not None:
                self._cache.set(key, json.dumps(user.to_dict()), self._ttl)
        if user is not None:
            self._found[user_id] = user
        return user

    def get(self, user_id: int, actor: Principal) -> User:
        self._authorize(user_id, actor)
        user = self.find(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    def list(self, query: ListQuery, actor: Principal) -> Page[User]:
        if not actor.is_admin:
            raise Forbidden("Only an admin may list users")
        version = int(self._cache.get(cache_keys.USERS_LIST_VERSION) or 0)
        key = cache_keys.users_page_key(version, query)
        cached = self._cache.get(key)
        if cached is not None:
            raw = json.loads(cached)
            return Page(
                items=[User.from_dict(item) for item in raw["items"]],
                page=query.page,
                limit=query.limit,
                total=raw["total"],
            )
        page = self._users.list(query)
        payload = {"items": [user.to_dict() for user in page.items], "total": page.total}
        self._cache.set(key, json.dumps(payload), self._ttl)
        return page

    def update(self, user_id: int, changes: Mapping[str, Any], actor: Principal) -> User:
        """Applies a PUT or PATCH: `changes` holds validated writable fields only."""
        self._authorize(user_id, actor)
        if "role" in changes and not actor.is_admin:
            raise Forbidden("Only an admin may change a role")
        values = dict(changes)
        if "password" in values:
            password = values.pop("password")
            values["password_hash"] = self._hasher.hash(password)
        user = self._users.update(user_id, values)
        if user is None:
            raise NotFound("User not found")
        self._invalidate(user_id)
        return user

    def delete(self, user_id: int, actor: Principal) -> None:
        self._authorize(user_id, actor)
        if not self._users.delete(user_id):
            raise NotFound("User not found")
        self._invalidate(user_id)

    @staticmethod
    def _authorize(user_id: int, actor: Principal) -> None:
        if not actor.may_act_on(user_id):
            raise Forbidden()

    def _invalidate(self, user_id: int) -> None:
        self._found.pop(user_id, None)
        self._cache.delete(cache_keys.user_key(user_id))
        self._cache.incr(cache_keys.USERS_LIST_VERSION)
