"""Where the services meet their adapters. The process-wide pieces (cache, hasher,
token codec, rate limiter, clock) are built once per app; the services, which hold a
database session, once per request."""

from dataclasses import dataclass

from flask import Flask, current_app, g

from app.api.extensions import db
from app.cache import CacheBackend, connect_cache
from app.cache.counters import RateLimiter
from app.core.domain import utc_now
from app.core.security import PasswordHasher, TokenCodec
from app.core.settings import Settings
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from app.services.auth import AuthService
from app.services.ports import Clock
from app.services.users import UserService

KEY = "components"


@dataclass(frozen=True, slots=True)
class Components:
    settings: Settings
    cache: CacheBackend
    hasher: PasswordHasher
    codec: TokenCodec
    limiter: RateLimiter
    clock: Clock


def init_components(app: Flask, settings: Settings) -> Components:
    cache = connect_cache(settings.redis_url)
    components = Components(
        settings=settings,
        cache=cache,
        hasher=PasswordHasher(settings.password_hash_profile),
        codec=TokenCodec(
            secret=settings.secret_key(),
            issuer=settings.jwt_issuer,
            access_ttl_seconds=settings.access_token_ttl_seconds,
        ),
        limiter=RateLimiter(cache.rate_limit_counters()),
        clock=utc_now,
    )
    app.extensions[KEY] = components
    return components


def components() -> Components:
    found: Components = current_app.extensions[KEY]
    return found


def user_service() -> UserService:
    if "user_service" not in g:
        parts = components()
        g.user_service = UserService(
            SqlUserRepository(db.session),
            parts.cache,
            parts.hasher,
            parts.settings.cache_ttl_seconds,
        )
    service: UserService = g.user_service
    return service


def auth_service() -> AuthService:
    if "auth_service" not in g:
        parts = components()
        g.auth_service = AuthService(
            SqlUserRepository(db.session),
            user_service(),
            SqlRefreshTokenRepository(db.session),
            parts.hasher,
            parts.codec,
            parts.settings.refresh_token_ttl_seconds,
            parts.clock,
        )
    service: AuthService = g.auth_service
    return service
