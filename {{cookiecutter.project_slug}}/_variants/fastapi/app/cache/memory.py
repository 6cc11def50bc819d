"""A cache in this process's memory: right for one process, as `serve` runs without Redis."""

import time

from app.cache.counters import MemoryCounters


class MemoryCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float | None]] = {}

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and expires_at <= time.monotonic():
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._entries[key] = (value, time.monotonic() + ttl_seconds)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def incr(self, key: str) -> None:
        current = await self.get(key)
        self._entries[key] = (str(int(current or 0) + 1), None)

    async def ping(self) -> bool:
        return True

    def rate_limit_counters(self) -> MemoryCounters:
        return MemoryCounters()

    async def close(self) -> None:
        self._entries.clear()
