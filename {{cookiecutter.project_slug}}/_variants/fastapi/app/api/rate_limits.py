"""The contract's three rate-limit tiers, counted for every request by the shared limiter
(app/adapters/cache/counters.py): in memory, or in Redis to share them between processes and
replicas."""

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.adapters.cache.counters import RateLimiter
from app.api.errors import error_response
from app.core.errors import RateLimited
from app.core.http import bearer_token
from app.core.rate_limits import tiers_for
from app.core.security import TokenCodec
from app.core.settings import Settings


class RateLimitMiddleware:
    """Counts every request but the health checks; a signed-in caller's also counts per user."""

    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, settings: Settings, codec: TokenCodec
    ) -> None:
        self.app = app
        self._limiter = limiter
        self._settings = settings
        self._codec = codec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = bearer_token(Headers(scope=scope).get("authorization"))
        tiers = tiers_for(
            self._settings,
            method=scope["method"],
            path=scope["path"],
            ip=client[0] if client else "unknown",
            user_id=self._codec.signed_subject(token) if token else None,
        )
        verdict = await self._limiter.hit(tiers)
        if verdict is None:
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
