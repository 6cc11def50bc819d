"""A cache in Redis, shared by every process and replica. It fails open: when Redis
cannot be reached a read is a miss, a write is dropped, and a warning is logged."""

from typing import Self

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.cache.counters import CountersUnavailable
from app.core.rate_limits import REDIS_INCREMENT_SCRIPT, REDIS_KEY_PREFIX

logger = structlog.get_logger(__name__)

# Short enough that a Redis outage slows a request down only a little.
TIMEOUT_SECONDS = 1.0


class RedisCache:
    def __init__(self, client: Redis) -> None:
        self._redis = client

    @classmethod
    def from_url(cls, url: str) -> Self:
        client = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        return cls(client)

    async def get(self, key: str) -> str | None:
        try:
            value: bytes | str | None = await self._redis.get(key)
        except (RedisError, OSError) as exc:
            self._warn("get", exc)
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, key: str, value: str, ttl_seconds: int) -> None:
        try:
            await self._redis.set(key, value, ex=ttl_seconds)
        except (RedisError, OSError) as exc:
            self._warn("set", exc)

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(key)
        except (RedisError, OSError) as exc:
            self._warn("delete", exc)

    async def incr(self, key: str) -> None:
        try:
            await self._redis.incr(key)
        except (RedisError, OSError) as exc:
            self._warn("incr", exc)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError) as exc:
            self._warn("ping", exc)
            return False

    def rate_limit_counters(self) -> "RedisCounters":
        # One client for cache and counters; closing the cache closes both.
        return RedisCounters(self._redis)

    async def close(self) -> None:
        await self._redis.aclose()

    @staticmethod
    def _warn(operation: str, exc: Exception) -> None:
        logger.warning("cache_unavailable", operation=operation, error=type(exc).__name__)


class RedisCounters:
    """All of a request's counters in one script call: one round trip."""

    def __init__(self, client: Redis) -> None:
        self._increment = client.register_script(REDIS_INCREMENT_SCRIPT)

    async def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        try:
            counts = await self._increment(
                keys=[REDIS_KEY_PREFIX + key for key in keys], args=[expiry_seconds]
            )
        except (RedisError, OSError) as exc:
            raise CountersUnavailable(type(exc).__name__) from exc
        return [int(count) for count in counts]
