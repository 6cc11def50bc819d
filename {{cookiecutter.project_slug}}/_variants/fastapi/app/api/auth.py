"""/api/v1/auth: log in, rotate a refresh token, log out."""

from fastapi import APIRouter, Response, status

from app.api.deps import AuthServiceDep
from app.api.openapi import errors
from app.api.schemas import LoginRequest, RefreshTokenRequest, TokenPairOut

router = APIRouter(prefix="/auth", tags=["auth"], responses=errors(400, 401, 413, 415, 429, 500))


@router.post("/login", summary="Exchange e-mail and password for a token pair")
async def login(payload: LoginRequest, auth: AuthServiceDep) -> TokenPairOut:
    return TokenPairOut.of(await auth.login(payload.email, payload.password))


@router.post("/refresh", summary="Spend a refresh token for a new pair in the same family")
async def refresh(payload: RefreshTokenRequest, auth: AuthServiceDep) -> TokenPairOut:
    return TokenPairOut.of(await auth.refresh(payload.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke a refresh token's whole family",
)
async def logout(payload: RefreshTokenRequest, auth: AuthServiceDep) -> None:
    await auth.logout(payload.refresh_token)
