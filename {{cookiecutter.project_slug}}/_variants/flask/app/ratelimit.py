"""Fixed one-minute windows through the `limits` library, in memory or in Redis.

The limiter fails open: when its storage is unreachable a request is let through
and a warning is logged.
"""

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

logger = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Tier:
    """One limit on one client: e.g. 100 per minute for user 42."""

    name: str
    per_minute: int
    identity: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The tier with the fewest requests left, as the RateLimit-* headers show it."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


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

    def hit(self, tiers: list[Tier]) -> Verdict | None:
        """Counts the request against every tier; None when the storage is unreachable."""
        try:
            verdicts = [self._hit(tier) for tier in tiers]
        except StorageError as exc:
            logger.warning("rate limits unavailable, letting the request through: %s", exc)
            return None
        if not verdicts:
            return None
        refused = [verdict for verdict in verdicts if not verdict.allowed]
        if refused:
            return max(refused, key=lambda verdict: verdict.reset_seconds)
        return min(verdicts, key=lambda verdict: (verdict.remaining, -verdict.reset_seconds))

    def _hit(self, tier: Tier) -> Verdict:
        item = RateLimitItemPerMinute(tier.per_minute, namespace=tier.name)
        allowed = self._limiter.hit(item, tier.identity)
        stats = self._limiter.get_window_stats(item, tier.identity)
        return Verdict(
            allowed=allowed,
            limit=tier.per_minute,
            remaining=max(0, stats.remaining),
            reset_seconds=max(1, math.ceil(stats.reset_time - time.time())),
        )
