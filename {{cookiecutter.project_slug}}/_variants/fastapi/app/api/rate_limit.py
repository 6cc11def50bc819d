"""The contract's three rate-limit tiers, counted in memory, or in Redis to share them
between processes and replicas. One increment per tier, all of them in one call: the
window is named in the counter's key, so nothing else needs reading back."""

import time

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response
from app.cache.counters import CountersUnavailable, RateLimitCounters
from app.core.errors import RateLimited
from app.core.http import bearer_token
from app.core.rate_limits import WINDOW_SECONDS, Tier, Usage, tiers_for, tightest
from app.core.security import TokenCodec
from app.core.settings import Settings

logger = structlog.get_logger(__name__)


class RateLimits:
    def __init__(self, counters: RateLimitCounters, settings: Settings) -> None:
        self._counters = counters
        self._settings = settings

    def tiers(self, method: str, path: str, ip: str, user_id: str | None) -> list[Tier]:
        return tiers_for(self._settings, method=method, path=path, ip=ip, user_id=user_id)

    async def hit(self, tiers: list[Tier]) -> Usage:
        """Counts the request against every tier it falls under."""
        now = time.time()
        windows = [tier.window(now) for tier in tiers]
        counts = await self._counters.increment(
            [window.counter_key for window in windows], WINDOW_SECONDS
        )
        return tightest(
            [
                Usage.counted(tier, window, count)
                for tier, window, count in zip(tiers, windows, counts, strict=True)
            ]
        )


class RateLimitMiddleware:
    """Counts every request but the health checks; a signed-in caller's also counts per user."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits, codec: TokenCodec) -> None:
        self.app = app
        self._limits = limits
        self._codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = bearer_token(Headers(scope=scope).get("authorization"))
        tiers = self._limits.tiers(
            scope["method"],
            scope["path"],
            client[0] if client else "unknown",
            self._codec.signed_subject(token) if token else None,
        )
        if not tiers:
            await self.app(scope, receive, send)
            return
        try:
            verdict = await self._limits.hit(tiers)
        except CountersUnavailable as exc:
            # Like the cache, the limits fail open when their store is unreachable.
            logger.warning("rate_limit_unavailable", error=str(exc))
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
