"""A cache in this process's memory: right for one process, as `serve` runs without Redis."""

import asyncio
from collections.abc import Sequence

from app.adapters.cache.counters import MemoryCounters
from app.core.cache_coherence import InProcessStore, Lookup, Scope


class MemoryCache:
    def __init__(self) -> None:
        self._store = InProcessStore()
        # One call at a time into the store, whose steps threads would interleave. Nothing
        # inside awaits, so under an event loop no call ever waits for it.
        self._lock = asyncio.Lock()

    async def lookup(self, key: str, scope: Scope) -> Lookup:
        async with self._lock:
            return self._store.lookup(key, scope)

    async def version(self, scope: Scope) -> str:
        async with self._lock:
            return self._store.version(scope)

    async def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        async with self._lock:
            self._store.fill(key, value, ttl_seconds, scope, noted)

    async def begin_write(self, scopes: Sequence[Scope]) -> None:
        async with self._lock:
            self._store.begin_write(scopes)

    async def end_write(self, scopes: Sequence[Scope]) -> None:
        async with self._lock:
            self._store.end_write(scopes)

    async def ping(self) -> bool:
        return True

    def rate_limit_counters(self) -> MemoryCounters:
        return MemoryCounters()

    async def close(self) -> None:
        async with self._lock:
            self._store.clear()
