"""The in-process cache used without REDIS_URL (one server process, many threads)."""

import threading
from collections.abc import Sequence

from app.core.cache_coherence import InProcessStore, Lookup, Scope


class MemoryCache:
    def __init__(self) -> None:
        self._store = InProcessStore()
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

    def close(self) -> None:
        with self._lock:
            self._store.clear()
