"""Who is calling: the bearer token of the request, checked on every request against
the user it names (through the cache), so a deleted user or a changed role applies at once."""

from flask import request

from app.core.domain import Principal
from app.core.errors import Unauthorized
from app.core.http import bearer_token
from app.wiring import auth_service

BEARER_AUTH = "bearerAuth"
Requirements = list[dict[str, list[str]]]
SIGNED_IN: Requirements = [{BEARER_AUTH: []}]
OPTIONALLY_SIGNED_IN: Requirements = [{}, {BEARER_AUTH: []}]
ANYONE: Requirements = []
SECURITY_SCHEMES = {
    BEARER_AUTH: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
}


def optional_principal() -> Principal | None:
    """None without an Authorization header; a header that is there must be valid."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    token = bearer_token(header)
    if token is None:
        raise Unauthorized()
    return auth_service().authenticate(token)


def require_principal() -> Principal:
    principal = optional_principal()
    if principal is None:
        raise Unauthorized()
    return principal
