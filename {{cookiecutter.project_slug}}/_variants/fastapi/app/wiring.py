"""What one process holds for its whole life: settings, pools, cache, limits, codecs."""

import asyncio
from dataclasses import dataclass

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.adapters.cache import CacheBackend, connect_cache
from app.adapters.cache.counters import RateLimiter
from app.adapters.hashing import ThreadedHasher
from app.core.logging import LogEvent
from app.core.security import PasswordHasher, TokenCodec
from app.core.settings import Settings
from app.repositories.database import create_engine, create_sessionmaker

logger = structlog.get_logger(__name__)

READINESS_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: CacheBackend
    limiter: RateLimiter
    hasher: ThreadedHasher
    codec: TokenCodec

    @classmethod
    def create(cls, settings: Settings) -> "Resources":
        """Nothing here connects yet: pools open on first use."""
        engine = create_engine(settings.database_url)
        cache = connect_cache(settings.redis_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            cache=cache,
            limiter=RateLimiter(cache.rate_limit_counters()),
            hasher=ThreadedHasher(PasswordHasher(settings.password_hash_profile)),
            codec=TokenCodec(
                secret=settings.secret_key(),
                issuer=settings.jwt_issuer,
                access_ttl_seconds=settings.access_token_ttl_seconds,
            ),
        )

    async def database_ready(self) -> bool:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure at all means not ready
            logger.warning(LogEvent.DATABASE_UNAVAILABLE, error=type(exc).__name__)
            return False
        return True

    async def cache_ready(self) -> bool:
        try:
            async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
                return await self.cache.ping()
        except TimeoutError:
            return False

    async def close(self) -> None:
        await self.engine.dispose()
        await self.cache.close()
