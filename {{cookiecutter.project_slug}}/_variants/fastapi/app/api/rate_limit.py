"""The contract's three rate-limit tiers, counted in fixed one-minute windows by `limits`."""

import math
import time
from dataclasses import dataclass

import jwt
import structlog
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response
from app.core.errors import RateLimited
from app.core.http import API_PREFIX, UNLIMITED_PATHS, bearer_token
from app.core.security import TokenCodec

logger = structlog.get_logger(__name__)

LOGIN_PATH = f"{API_PREFIX}/auth/login"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The tier with the fewest requests left, as the RateLimit-* headers describe it."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimits:
    def __init__(self, storage: Storage, *, per_ip: int, per_user: int, login: int) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self._per_ip = RateLimitItemPerMinute(per_ip)
        self._per_user = RateLimitItemPerMinute(per_user)
        self._login = RateLimitItemPerMinute(login)

    async def hit(self, ip: str, user_id: str | None, is_login: bool) -> Verdict:
        """Counts the request against every tier it falls under."""
        tiers: list[tuple[RateLimitItem, str, str]] = [(self._per_ip, "ip", ip)]
        if user_id is not None:
            tiers.append((self._per_user, "user", user_id))
        if is_login:
            tiers.append((self._login, "login", ip))
        allowed = True
        windows: list[tuple[int, int, int]] = []  # (remaining, limit, seconds to reset)
        now = time.time()
        for item, tier, identity in tiers:
            allowed = await self._limiter.hit(item, tier, identity) and allowed
            stats = await self._limiter.get_window_stats(item, tier, identity)
            reset = min(item.get_expiry(), max(0, math.ceil(stats.reset_time - now)))
            windows.append((stats.remaining, item.amount, reset))
        remaining, limit, reset_seconds = min(windows)
        return Verdict(allowed, limit, remaining, reset_seconds)


class RateLimitMiddleware:
    """Counts every request but the health checks; a signed-in caller's also counts per user."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits, codec: TokenCodec) -> None:
        self.app = app
        self._limits = limits
        self._codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        is_login = scope["method"] == "POST" and scope["path"] == LOGIN_PATH
        try:
            verdict = await self._limits.hit(ip, self._user_of(scope), is_login)
        except (StorageError, OSError) as exc:
            # Like the cache, the limits fail open when their store is unreachable.
            logger.warning("rate_limit_unavailable", error=type(exc).__name__)
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            response = error_response(RateLimited(verdict.reset_seconds), scope)
            response.headers.update(verdict.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(verdict.headers())
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _user_of(self, scope: Scope) -> str | None:
        """The subject of a bearer token whose signature verifies, expired or not; no
        database is touched. Whether the token is otherwise valid is the route's concern."""
        token = bearer_token(Headers(scope=scope).get("authorization"))
        if token is None:
            return None
        try:
            claims = jwt.decode(
                token,
                self._codec.secret,
                algorithms=[self._codec.algorithm],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) else None
