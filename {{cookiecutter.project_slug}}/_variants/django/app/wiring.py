"""The one place where services meet their adapters: Django ORM repositories, Django's
cache and password hashers, the shared token codec and the clock."""

from dataclasses import dataclass
from functools import lru_cache

from app.adapters.cache import DjangoCache
from app.adapters.hashing import DjangoHasher
from app.core.domain import utc_now
from app.core.security import TokenCodec
from app.core.settings import get_settings
from app.repositories.refresh_tokens import DjangoRefreshTokenRepository
from app.repositories.users import DjangoUserRepository
from app.services.auth import AuthService
from app.services.users import UserService


@dataclass(frozen=True, slots=True)
class Services:
    users: UserService
    auth: AuthService
    codec: TokenCodec


@lru_cache(maxsize=1)
def services() -> Services:
    settings = get_settings()
    users = DjangoUserRepository()
    hasher = DjangoHasher()
    codec = TokenCodec(
        secret=settings.secret_key(),
        issuer=settings.jwt_issuer,
        access_ttl_seconds=settings.access_token_ttl_seconds,
    )
    user_service = UserService(users, DjangoCache(), hasher, settings.cache_ttl_seconds)
    auth_service = AuthService(
        users=users,
        user_service=user_service,
        refresh_tokens=DjangoRefreshTokenRepository(),
        hasher=hasher,
        codec=codec,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        clock=utc_now,
    )
    return Services(users=user_service, auth=auth_service, codec=codec)
