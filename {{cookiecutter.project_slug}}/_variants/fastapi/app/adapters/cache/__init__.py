"""Cache adapters for the services' Cache port: in-process memory, or Redis when configured."""

from collections.abc import Sequence
from typing import Protocol

from app.adapters.cache.counters import RateLimitCounters
from app.adapters.cache.memory import MemoryCache
from app.core.cache_coherence import Lookup, Scope
from app.core.settings import ConfigurationError


class CacheBackend(Protocol):
    """The services' Cache port plus what the process needs around it."""

    async def lookup(self, key: str, scope: Scope) -> Lookup: ...

    async def version(self, scope: Scope) -> str: ...

    async def fill(
        self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str
    ) -> None: ...

    async def begin_write(self, scopes: Sequence[Scope]) -> None: ...

    async def end_write(self, scopes: Sequence[Scope]) -> None: ...

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
        from app.adapters.cache.redis import RedisCache
    except ModuleNotFoundError:
        raise ConfigurationError(
            "REDIS_URL: needs the redis package; add it to the project's dependencies"
        ) from None
    cache: CacheBackend = RedisCache.from_url(redis_url)
    return cache
