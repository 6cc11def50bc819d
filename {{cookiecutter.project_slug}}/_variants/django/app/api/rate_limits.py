"""The three rate-limit tiers, counted in fixed one-minute windows by django-ratelimit in
Django's cache (Redis when configured, so every process and replica shares the counts).

An unreachable cache fails open: the request goes through uncounted, with a warning.
"""

from dataclasses import dataclass

import structlog
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from app.core.errors import RateLimited, Unauthorized
from app.core.http import API_PREFIX, UNLIMITED_PATHS, bearer_token
from app.core.settings import get_settings
from app.wiring import services

WINDOW_SECONDS = 60
LOGIN_PATH = f"{API_PREFIX}/auth/login"

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Tier:
    group: str
    key: str
    limit: int


@dataclass(frozen=True, slots=True)
class TierUsage:
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def error(self) -> RateLimited:
        return RateLimited(self.reset_seconds)

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining)),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if self.exceeded:
            headers.update(self.error().headers())
        return headers


class RateLimiter:
    def __init__(self, request: HttpRequest, tiers: list[Tier]) -> None:
        self._request = request
        self._tiers = tiers

    @classmethod
    def for_request(cls, request: HttpRequest) -> "RateLimiter":
        if request.path in UNLIMITED_PATHS:
            return cls(request, [])
        settings = get_settings()
        ip = request.META.get("REMOTE_ADDR") or "unknown"
        tiers = [Tier("ip", ip, settings.rate_limit_per_ip)]
        user_id = _verified_user_id(request)
        if user_id is not None:
            tiers.append(Tier("user", user_id, settings.rate_limit_per_user))
        if request.method == "POST" and request.path == LOGIN_PATH:
            tiers.append(Tier("login", ip, settings.rate_limit_login))
        return cls(request, tiers)

    def count(self) -> TierUsage | None:
        """Counts this request in every tier; returns the tier with the fewest requests left."""
        if not self._tiers:
            return None
        try:
            usages = [self._count(tier) for tier in self._tiers]
        except Exception as exc:
            logger.warning("rate_limit_unavailable", error=type(exc).__name__)
            return None
        return min(usages, key=lambda usage: (usage.remaining, -usage.reset_seconds))

    def _count(self, tier: Tier) -> TierUsage:
        usage = get_usage(
            self._request,
            group=tier.group,
            key=lambda _group, _request: tier.key,
            rate=(tier.limit, WINDOW_SECONDS),
            increment=True,
        )
        if usage is None or usage["time_left"] < 0:
            raise ConnectionError("the rate-limit counter could not be read")
        return TierUsage(
            limit=tier.limit,
            remaining=tier.limit - usage["count"],
            reset_seconds=max(1, usage["time_left"]),
        )


def _verified_user_id(request: HttpRequest) -> str | None:
    """The user of a bearer token whose signature verifies; the user need not exist."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    try:
        return str(services().codec.decode_access(token).user_id)
    except Unauthorized:
        return None
