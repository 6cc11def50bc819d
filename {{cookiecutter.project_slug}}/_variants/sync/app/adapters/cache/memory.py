# Generated from _variants/fastapi/app/adapters/cache/memory.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""A cache in this process's memory: right for one process, as `serve` runs without Redis."""

import threading
from collections.abc import Sequence

from app.adapters.cache.counters import MemoryCounters
from app.core.cache_coherence import InProcessStore, Lookup, Scope


class MemoryCache:
    def __init__(self) -> None:
        self._store = InProcessStore()
        # One call at a time into the store, whose steps threads would interleave. Nothing
        # inside awaits, so under an event loop no call ever waits for it.
        self._lock = threading.Lock()

    def lookup(self, key: str, scope: Scope) -> Lookup:
        with self._lock:
            return self._store.lookup(key, scope)

    def version(self, scope: Scope) -> str:
        with self._lock:
            return self._store.version(scope)

    def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        with self._lock:
            self._store.fill(key, value, ttl_seconds, scope, noted)

    def begin_write(self, scopes: Sequence[Scope]) -> None:
        with self._lock:
            self._store.begin_write(scopes)

    def end_write(self, scopes: Sequence[Scope]) -> None:
        with self._lock:
            self._store.end_write(scopes)

    def ping(self) -> bool:
        return True

    def rate_limit_counters(self) -> MemoryCounters:
        return MemoryCounters()

    def close(self) -> None:
        with self._lock:
            self._store.clear()
