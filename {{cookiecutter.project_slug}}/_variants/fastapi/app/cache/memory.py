"""A cache in this process's memory: right for one process, as `serve` runs without Redis."""

from collections.abc import Sequence

from app.cache.counters import MemoryCounters
from app.core.cache_coherence import InProcessStore, Lookup, Scope


class MemoryCache:
    # One event loop runs every call to the end without a switch, so no lock is needed.
    def __init__(self) -> None:
        self._store = InProcessStore()

    async def lookup(self, key: str, scope: Scope) -> Lookup:
        return self._store.lookup(key, scope)

    async def version(self, scope: Scope) -> str:
        return self._store.version(scope)

    async def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        self._store.fill(key, value, ttl_seconds, scope, noted)

    async def begin_write(self, scopes: Sequence[Scope]) -> None:
        self._store.begin_write(scopes)

    async def end_write(self, scopes: Sequence[Scope]) -> None:
        self._store.end_write(scopes)

    async def ping(self) -> bool:
        return True

    def rate_limit_counters(self) -> MemoryCounters:
        return MemoryCounters()

    async def close(self) -> None:
        self._store.clear()
