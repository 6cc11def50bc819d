"""Fixed one-minute windows through the `limits` library, in memory or in Redis.

The limiter fails open: when its storage is unreachable a request is let through
and a warning is logged. It counts on the storage directly rather than through
`FixedWindowRateLimiter`, whose `hit` drops the count `incr` returns and whose
`get_window_stats` then reads it back in one more round trip to Redis per tier.
"""

import logging
import time

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string

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
        self._storage = storage

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
        key = item.key_for(tier.identity)
        count = self._storage.incr(key, item.get_expiry())
        return Usage.of(
            tier,
            allowed=count <= item.amount,
            remaining=item.amount - count,
            seconds_left=self._storage.get_expiry(key) - time.time(),
        )
