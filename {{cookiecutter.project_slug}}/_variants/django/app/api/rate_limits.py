"""The three rate-limit tiers, counted in fixed one-minute windows by django-ratelimit in
Django's cache (Redis when configured, so every process and replica shares the counts).

An unreachable cache fails open: the request goes through uncounted, with a warning.
"""

import structlog
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from app.core.http import bearer_token
from app.core.rate_limits import WINDOW_SECONDS, Tier, Usage, tiers_for, tightest
from app.core.settings import get_settings
from app.wiring import services

logger = structlog.get_logger(__name__)


class RateLimiter:
    def __init__(self, request: HttpRequest, tiers: list[Tier]) -> None:
        self._request = request
        self._tiers = tiers

    @classmethod
    def for_request(cls, request: HttpRequest) -> "RateLimiter":
        token = bearer_token(request.headers.get("Authorization"))
        tiers = tiers_for(
            get_settings(),
            method=request.method or "GET",
            path=request.path,
            ip=request.META.get("REMOTE_ADDR") or "unknown",
            user_id=services().codec.signed_subject(token) if token else None,
        )
        return cls(request, tiers)

    def count(self) -> Usage | None:
        """Counts this request in every tier; returns the tier the headers describe."""
        if not self._tiers:
            return None
        try:
            return tightest([self._count(tier) for tier in self._tiers])
        except Exception as exc:
            logger.warning("rate_limit_unavailable", error=type(exc).__name__)
            return None

    def _count(self, tier: Tier) -> Usage:
        usage = get_usage(
            self._request,
            group=tier.name,
            key=lambda _group, _request: tier.identity,
            rate=(tier.per_minute, WINDOW_SECONDS),
            increment=True,
        )
        # django-ratelimit's answer when the cache could not count: a limit of 0. Its
        # time_left alone would not tell, as it is -1 too when the window ends mid-count.
        if usage is None or usage["limit"] == 0:
            raise ConnectionError("the rate-limit counter could not be read")
        return Usage.of(
            tier,
            allowed=not usage["should_limit"],
            remaining=tier.per_minute - usage["count"],
            seconds_left=usage["time_left"],
        )
