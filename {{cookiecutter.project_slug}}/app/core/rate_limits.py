"""The contract's three rate-limit tiers: which apply to a request, the fixed window a
hit falls in, and which tier the RateLimit-* headers describe. Each framework keeps the
counters, in memory or in Redis to share them: one increment per tier and request, and in
Redis one script call for all of a request's tiers."""

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.http import API_PREFIX, UNLIMITED_PATHS
from app.core.settings import Settings

WINDOW_SECONDS = 60
LOGIN_PATH = f"{API_PREFIX}/auth/login"

# In Redis, every counter of a request in one command and one reply; a counter gets its
# expiry as it is created, in the same atomic step, so none is ever left without one.
REDIS_KEY_PREFIX = "rate-limit:"
REDIS_INCREMENT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call("INCR", key)
    if counts[i] == 1 then
        redis.call("EXPIRE", key, ARGV[1])
    end
end
return counts
"""


@dataclass(frozen=True, slots=True)
class Tier:
    """One limit on one client, e.g. 100 a minute for user 42."""

    name: str
    identity: str
    per_minute: int

    def window(self, now: float) -> "Window":
        """The one-minute window `now` falls in. Each client's windows are offset by a hash
        of its identity, so that not every client's count resets in the same second."""
        offset = zlib.crc32(self.identity.encode()) % WINDOW_SECONDS
        second = int(now)
        start = second - (second - offset) % WINDOW_SECONDS
        return Window(
            counter_key=f"{self.name}/{self.identity}/{start}",
            seconds_left=start + WINDOW_SECONDS - now,
        )


@dataclass(frozen=True, slots=True)
class Window:
    """A tier's current window: the key of its counter, and the time until it ends. The
    key names the window, so a count never carries over and needs no reset."""

    counter_key: str
    seconds_left: float


@dataclass(frozen=True, slots=True)
class Usage:
    """A tier's count after this request."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    @classmethod
    def counted(cls, tier: Tier, window: Window, count: int) -> "Usage":
        """The usage after this request, the window's `count`th."""
        return cls(
            allowed=count <= tier.per_minute,
            limit=tier.per_minute,
            remaining=max(0, tier.per_minute - count),
            reset_seconds=min(WINDOW_SECONDS, max(1, math.ceil(window.seconds_left))),
        )

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def tiers_for(
    settings: Settings, *, method: str, path: str, ip: str, user_id: str | None
) -> list[Tier]:
    """Every request but the health checks counts per IP; one with a bearer token whose
    signature verifies also counts for its user; a login also counts as a login attempt."""
    if path in UNLIMITED_PATHS:
        return []
    tiers = [Tier("ip", ip, settings.rate_limit_per_ip)]
    if user_id is not None:
        tiers.append(Tier("user", user_id, settings.rate_limit_per_user))
    if method == "POST" and path == LOGIN_PATH:
        tiers.append(Tier("login", ip, settings.rate_limit_login))
    return tiers


def tightest(usages: Sequence[Usage]) -> Usage:
    """The tier the headers describe: of those that refused, the one that frees up last
    (so Retry-After is honest); otherwise the one with the fewest requests left."""
    refused = [usage for usage in usages if not usage.allowed]
    if refused:
        return max(refused, key=lambda usage: usage.reset_seconds)
    return min(usages, key=lambda usage: (usage.remaining, -usage.reset_seconds))
