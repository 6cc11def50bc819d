"""Cache adapters for the services' Cache port: in-process memory, or Redis when configured."""

from typing import Protocol

from app.cache.counters import RateLimitCounters
from app.cache.memory import MemoryCache
from app.core.settings import ConfigurationError


class CacheBackend(Protocol):
    """The services' Cache port plus what the process needs around it."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str, ttl_seconds: int) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str) -> None: ...

    async def ping(self) -> bool:
        """Whether the backend answers: the readiness check."""
        ...

    def rate_limit_counters(self) -> RateLimitCounters:
        """Where the rate-limit counters live: beside the cache, shared as widely as it is."""
        ...

    async def close(self) -> None: ...


def connect_cache(redis_url: str | None) -> CacheBackend:
    """Memory without REDIS_URL, Redis with it; neither connects before its first use."""
    if redis_url is None:
        return MemoryCache()
    try:
        from app.cache.redis import RedisCache
    except ModuleNotFoundError:
        raise ConfigurationError(
            "REDIS_URL: needs the redis package; add it to the project's dependencies"
        ) from None
    cache: CacheBackend = RedisCache.from_url(redis_url)
    return cache
