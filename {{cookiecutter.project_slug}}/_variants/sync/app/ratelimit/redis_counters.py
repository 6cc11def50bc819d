"""Rate-limit counters in Redis, shared by every process and replica."""

import redis

from app.core.rate_limits import REDIS_INCREMENT_SCRIPT, REDIS_KEY_PREFIX
from app.ratelimit import CountersUnavailable

# Short timeouts: a Redis that is down must not hold requests up for long.
SOCKET_TIMEOUT_SECONDS = 0.5


class RedisCounters:
    def __init__(self, url: str) -> None:
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self._increment = client.register_script(REDIS_INCREMENT_SCRIPT)

    def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        try:
            counts = self._increment(
                keys=[REDIS_KEY_PREFIX + key for key in keys], args=[expiry_seconds]
            )
        except redis.RedisError as exc:
            raise CountersUnavailable(type(exc).__name__) from exc
        return [int(count) for count in counts]
