"""Which rate-limit tiers a request counts against; the process's limiter counts them."""

from django.http import HttpRequest

from app.core.http import bearer_token
from app.core.rate_limits import Tier, tiers_for
from app.core.settings import get_settings
from app.wiring import components


def tiers_of(request: HttpRequest) -> list[Tier]:
    token = bearer_token(request.headers.get("Authorization"))
    return tiers_for(
        get_settings(),
        method=request.method or "GET",
        path=request.path,
        ip=request.META.get("REMOTE_ADDR") or "unknown",
        user_id=components().codec.signed_subject(token) if token else None,
    )
