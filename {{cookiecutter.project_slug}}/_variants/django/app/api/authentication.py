"""Bearer authentication: the shared token codec, then the user read through the cache."""

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from app.core.domain import Principal
from app.core.errors import INVALID_TOKEN, Unauthorized
from app.core.http import bearer_token
from app.wiring import request_services


class BearerAuthentication(BaseAuthentication):
    """No Authorization header is anonymous; any other header must hold a valid token."""

    def authenticate(self, request: Request) -> tuple[Principal, str] | None:
        authorization = request.headers.get("Authorization")
        if authorization is None:
            return None
        token = bearer_token(authorization)
        if token is None:
            raise Unauthorized(INVALID_TOKEN)
        return request_services(request).auth.authenticate(token), token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


def principal(request: Request) -> Principal:
    """The signed-in caller; anyone else is a 401."""
    user: object = request.user
    if not isinstance(user, Principal):
        raise Unauthorized()
    return user


def optional_principal(request: Request) -> Principal | None:
    """The caller if a token was sent (it must then be valid), None for an anonymous one."""
    user: object = request.user
    return user if isinstance(user, Principal) else None
