"""The rate-limit counters: their port, their implementation in this process's memory, and
the limiter that counts a request against its tiers. The window is named in each counter's
key, so a request costs one increment per tier and nothing is read back; in Redis
(app/adapters/cache/redis.py) one script call counts all of a request's tiers.

The limiter fails open: when its counters are unreachable a request is let through
uncounted and a warning is logged."""

import time
from collections.abc import Callable
from typing import Protocol

import structlog
from limits.aio.storage import MemoryStorage

from app.core.logging import LogEvent
from app.core.rate_limits import WINDOW_SECONDS, Tier, Usage, tightest

logger = structlog.get_logger(__name__)


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


class RateLimiter:
    def __init__(self, counters: RateLimitCounters, clock: Callable[[], float] = time.time) -> None:
        self._counters = counters
        self._clock = clock

    async def hit(self, tiers: list[Tier]) -> Usage | None:
        """Counts the request against every tier; None when there is no tier to count
        or the counters are unreachable."""
        if not tiers:
            return None
        now = self._clock()
        windows = [tier.window(now) for tier in tiers]
        try:
            counts = await self._counters.increment(
                [window.counter_key for window in windows], WINDOW_SECONDS
            )
        except CountersUnavailable as exc:
            logger.warning(LogEvent.RATE_LIMIT_UNAVAILABLE, error=str(exc))
            return None
        return tightest(
            [
                Usage.counted(tier, window, count)
                for tier, window, count in zip(tiers, windows, counts, strict=True)
            ]
        )
