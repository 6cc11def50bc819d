"""Rate-limit counters in Redis, shared by every process and replica."""

import redis

from app.ratelimit import CountersUnavailable

# Short timeouts: a Redis that is down must not hold requests up for long.
SOCKET_TIMEOUT_SECONDS = 0.5
KEY_PREFIX = "rate-limit:"

# Every counter of a request in one command and one reply; a counter gets its expiry as
# it is created, in the same atomic step, so none is ever left without one.
INCREMENT = """
local counts = {}
for i, key in ipairs(KEYS) do
    counts[i] = redis.call("INCR", key)
    if counts[i] == 1 then
        redis.call("EXPIRE", key, ARGV[1])
    end
end
return counts
"""


class RedisCounters:
    def __init__(self, url: str) -> None:
        client = redis.Redis.from_url(
            url,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self._increment = client.register_script(INCREMENT)

    def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        try:
            counts = self._increment(keys=[KEY_PREFIX + key for key in keys], args=[expiry_seconds])
        except redis.RedisError as exc:
            raise CountersUnavailable(type(exc).__name__) from exc
        return [int(count) for count in counts]
