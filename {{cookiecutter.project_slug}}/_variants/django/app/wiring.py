"""The one place where services meet their adapters: Django ORM repositories, the cache
(Redis or this process's memory, the same adapter as Flask's), Django's password hashers,
the shared token codec, rate limiter and clock.

The adapters are built once per process; the services once per request, as a request's
UserService keeps the users it has read (the caller, read to authenticate, is not read
again to answer)."""

from dataclasses import dataclass
from functools import lru_cache
from weakref import WeakKeyDictionary

from rest_framework.request import Request

from app.adapters.cache import CacheBackend, connect_cache
from app.adapters.cache.counters import RateLimiter
from app.adapters.hashing import DjangoHasher
from app.core.domain import utc_now
from app.core.security import TokenCodec
from app.core.settings import Settings, get_settings
from app.repositories.refresh_tokens import DjangoRefreshTokenRepository
from app.repositories.users import DjangoUserRepository
from app.services.auth import AuthService
from app.services.users import UserService


@dataclass(frozen=True, slots=True)
class Components:
    settings: Settings
    users: DjangoUserRepository
    refresh_tokens: DjangoRefreshTokenRepository
    cache: CacheBackend
    hasher: DjangoHasher
    codec: TokenCodec
    limiter: RateLimiter


@dataclass(frozen=True, slots=True)
class Services:
    users: UserService
    auth: AuthService


@lru_cache(maxsize=1)
def components() -> Components:
    settings = get_settings()
    cache = connect_cache(settings.redis_url)
    return Components(
        settings=settings,
        users=DjangoUserRepository(),
        refresh_tokens=DjangoRefreshTokenRepository(),
        cache=cache,
        hasher=DjangoHasher(),
        codec=TokenCodec(
            secret=settings.secret_key(),
            issuer=settings.jwt_issuer,
            access_ttl_seconds=settings.access_token_ttl_seconds,
        ),
        limiter=RateLimiter(cache.rate_limit_counters()),
    )


def services() -> Services:
    """Services of their own, for one request or one command."""
    parts = components()
    users = UserService(parts.users, parts.cache, parts.hasher, parts.settings.cache_ttl_seconds)
    auth = AuthService(
        users=parts.users,
        user_service=users,
        refresh_tokens=parts.refresh_tokens,
        hasher=parts.hasher,
        codec=parts.codec,
        refresh_ttl_seconds=parts.settings.refresh_token_ttl_seconds,
        clock=utc_now,
    )
    return Services(users=users, auth=auth)


_services_of_requests: "WeakKeyDictionary[Request, Services]" = WeakKeyDictionary()


def request_services(request: Request) -> Services:
    """The services of this request: the authenticator and the view share them."""
    found = _services_of_requests.get(request)
    if found is None:
        found = _services_of_requests[request] = services()
    return found
