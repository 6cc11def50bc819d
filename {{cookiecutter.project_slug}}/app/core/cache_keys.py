"""Cache keys. List pages hang off a version number that every write bumps, so one
INCR invalidates every cached page in every process at once."""

import hashlib

from app.core.listing import ListQuery

USERS_LIST_VERSION = "users:list:version"


def user_key(user_id: int) -> str:
    return f"users:{user_id}"


def users_page_key(version: int, query: ListQuery) -> str:
    search = hashlib.sha256((query.search or "").encode()).hexdigest()[:16]
    return f"users:list:v{version}:p{query.page}:l{query.limit}:s{search}"
