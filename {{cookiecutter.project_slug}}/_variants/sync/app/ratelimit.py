"""The rate-limit tiers' counters in a `limits` storage: memory, or Redis to share them
between processes and replicas. One increment per tier: the window is named in the
counter's key, so nothing else needs reading back.

The limiter fails open: when its storage is unreachable a request is let through
uncounted and a warning is logged.
"""

import time
from collections.abc import Callable

import structlog
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string

from app.core.rate_limits import WINDOW_SECONDS, Tier, Usage, tightest

logger = structlog.get_logger(__name__)

SOCKET_TIMEOUT_SECONDS = 0.5


def storage_for(redis_url: str | None) -> Storage:
    if redis_url is None:
        return MemoryStorage()
    # limits spells a Unix socket URL redis+unix://; redis-py and REDIS_URL spell it unix://.
    uri = (
        redis_url.replace("unix://", "redis+unix://", 1)
        if redis_url.startswith("unix://")
        else redis_url
    )
    storage = storage_from_string(
        uri,
        wrap_exceptions=True,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
    )
    assert isinstance(storage, Storage), "a synchronous storage URL"
    return storage


class RateLimiter:
    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self._storage = storage
        self._clock = clock

    def hit(self, tiers: list[Tier]) -> Usage | None:
        """Counts the request against every tier; None when there is no tier to count
        or the storage is unreachable."""
        if not tiers:
            return None
        now = self._clock()
        try:
            return tightest([self._hit(tier, now) for tier in tiers])
        except StorageError as exc:
            logger.warning("rate_limit_unavailable", error=type(exc).__name__)
            return None

    def _hit(self, tier: Tier, now: float) -> Usage:
        window = tier.window(now)
        count = self._storage.incr(window.counter_key, WINDOW_SECONDS)
        return Usage.counted(tier, window, count)
