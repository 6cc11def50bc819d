"""Where the services meet their adapters. The process-wide pieces (cache, hasher,
token codec, rate limiter, clock) are built once per app; the services, which hold a
database session, once per request."""

from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.adapters.cache import CacheBackend, connect_cache
from app.adapters.cache.counters import RateLimiter
from app.core.domain import utc_now
from app.core.security import PasswordHasher, TokenCodec
from app.core.settings import Settings
from app.repositories.database import session_factory
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from app.services.auth import AuthService
from app.services.ports import Clock
from app.services.users import UserService

KEY = "components"


@dataclass(frozen=True, slots=True)
class _DatabaseState:
    engine: Engine
    sessions: sessionmaker[Session]


class Database:
    """One engine per app; one session per request, closed when the request ends."""

    KEY = "database"

    def init_app(self, app: Flask, engine: Engine) -> None:
        app.extensions[self.KEY] = _DatabaseState(engine, session_factory(engine))
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self._state().sessions()
        session: Session = g.db_session
        return session

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def dispose(self, app: Flask) -> None:
        state: _DatabaseState = app.extensions[self.KEY]
        state.engine.dispose()

    def _state(self) -> _DatabaseState:
        state: _DatabaseState = current_app.extensions[self.KEY]
        return state

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()


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
