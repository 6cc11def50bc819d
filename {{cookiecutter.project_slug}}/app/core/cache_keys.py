"""Cache keys and the scopes they belong to (see cache_coherence). List pages are keyed
by their scope's version, which every write moves, so one write invalidates every cached
page in every process at once."""

import hashlib

from app.core.cache_coherence import Scope
from app.core.listing import ListQuery

USERS_LIST = Scope(
    version_key="users:list:version",
    writes_key="users:list:writes",
    entry_key=None,
    version_kept=True,
)


def user_key(user_id: int) -> str:
    return f"users:{user_id}"


def user_scope(user_id: int) -> Scope:
    return Scope(
        version_key=f"users:{user_id}:version",
        writes_key=f"users:{user_id}:writes",
        entry_key=user_key(user_id),
        version_kept=False,
    )


def users_page_key(version: str, query: ListQuery) -> str:
    search = hashlib.sha256((query.search or "").encode()).hexdigest()[:16]
    return f"users:list:v{version or 0}:p{query.page}:l{query.limit}:s{search}"
