"""The rate-limit counters' port, and its implementation in this process's memory."""

from typing import Protocol

from limits.aio.storage import MemoryStorage


class CountersUnavailable(Exception):
    """The counters' store could not be reached."""


class RateLimitCounters(Protocol):
    async def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        """Adds one to each counter, creating it to expire after `expiry_seconds`;
        returns the new counts."""
        ...


class MemoryCounters:
    def __init__(self) -> None:
        self._storage = MemoryStorage()

    async def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        return [await self._storage.incr(key, expiry_seconds) for key in keys]
