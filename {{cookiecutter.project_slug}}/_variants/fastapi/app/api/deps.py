"""FastAPI dependencies: the one place where services meet their repositories and cache.

Each is `async def` even when it awaits nothing: FastAPI runs a plain `def` dependency in
a worker thread, a hand-off that costs more than the dependency itself. The graph is kept
shallow, as resolving each dependency costs about as much as a cached read's own work.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.domain import Principal, utc_now
from app.core.errors import Unauthorized
from app.core.http import bearer_token
from app.repositories.refresh_tokens import SqlRefreshTokenRepository
from app.repositories.users import SqlUserRepository
from app.services.auth import AuthService
from app.services.users import UserService
from app.wiring import Resources

bearer_scheme = HTTPBearer(
    bearerFormat="JWT",
    description="An access token from POST /api/v1/auth/login or /api/v1/auth/refresh.",
    auto_error=False,
)


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


@dataclass(frozen=True, slots=True)
class Services:
    """One request's services, sharing its database session."""

    users: UserService
    auth: AuthService


async def get_services(request: Request) -> AsyncIterator[Services]:
    resources: Resources = request.app.state.resources
    # A session connects on its first query, so a read the cache answers never connects.
    session = resources.sessionmaker()
    users = UserService(
        SqlUserRepository(session),
        resources.cache,
        resources.hasher,
        resources.settings.cache_ttl_seconds,
    )
    auth = AuthService(
        SqlUserRepository(session),
        users,
        SqlRefreshTokenRepository(session),
        resources.hasher,
        resources.codec,
        resources.settings.refresh_token_ttl_seconds,
        utc_now,
    )
    try:
        yield Services(users=users, auth=auth)
    finally:
        # Only a session inside a transaction holds a connection; closing one that never
        # began costs more than the cached read it served.
        if session.in_transaction():
            await session.close()


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_user_service(services: ServicesDep) -> UserService:
    return services.users


UserServiceDep = Annotated[UserService, Depends(get_user_service)]


async def get_auth_service(services: ServicesDep) -> AuthService:
    return services.auth


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


@dataclass(frozen=True, slots=True)
class Caller:
    """Whoever sent the request. A route asks who that is only once FastAPI has validated
    the request, so a 400 comes before a 401 as the contract orders them."""

    auth: AuthService
    authorization: str | None

    async def principal(self) -> Principal:
        """The signed-in user, read afresh (through the cache): a 401 otherwise."""
        token = bearer_token(self.authorization)
        if token is None:
            raise Unauthorized()
        return await self.auth.authenticate(token)

    async def optional_principal(self) -> Principal | None:
        """Nobody without an Authorization header; with one, it must be valid."""
        if self.authorization is None:
            return None
        return await self.principal()


async def get_caller(
    request: Request,
    services: ServicesDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    return Caller(services.auth, request.headers.get("authorization"))


async def get_optional_caller(request: Request, services: ServicesDep) -> Caller:
    return Caller(services.auth, request.headers.get("authorization"))


CallerDep = Annotated[Caller, Depends(get_caller)]
# Not declared as a security requirement: signing up needs no token.
OptionalCallerDep = Annotated[Caller, Depends(get_optional_caller)]
