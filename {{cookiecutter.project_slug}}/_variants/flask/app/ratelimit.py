"""Fixed one-minute windows through the `limits` library, in memory or in Redis.

The limiter fails open: when its storage is unreachable a request is let through
and a warning is logged.
"""

import logging
import time

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.core.rate_limits import Tier, Usage, tightest

logger = logging.getLogger(__name__)

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
    def __init__(self, storage: Storage) -> None:
        self._limiter = FixedWindowRateLimiter(storage)

    def hit(self, tiers: list[Tier]) -> Usage | None:
        """Counts the request against every tier; None when there is no tier to count
        or the storage is unreachable."""
        if not tiers:
            return None
        try:
            return tightest([self._hit(tier) for tier in tiers])
        except StorageError as exc:
            logger.warning("rate limits unavailable, letting the request through: %s", exc)
            return None

    def _hit(self, tier: Tier) -> Usage:
        item = RateLimitItemPerMinute(tier.per_minute, namespace=tier.name)
        allowed = self._limiter.hit(item, tier.identity)
        stats = self._limiter.get_window_stats(item, tier.identity)
        return Usage.of(
            tier,
            allowed=allowed,
            remaining=stats.remaining,
            seconds_left=stats.reset_time - time.time(),
        )
