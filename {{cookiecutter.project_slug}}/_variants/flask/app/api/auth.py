"""Tokens: log in, rotate a refresh token, log out (revoking the token's family)."""

from typing import Any

from flask import Response

from app.api.extensions import Blueprint
from app.api.openapi import documents_errors
from app.api.schemas import LoginSchema, RefreshTokenSchema, TokenPairSchema
from app.api.security import ANYONE
from app.core.http import API_PREFIX
from app.wiring import auth_service

blp = Blueprint("auth", __name__, url_prefix=f"{API_PREFIX}/auth", description="Tokens")


@blp.route("/login", methods=["POST"])
@blp.doc(security=ANYONE, summary="Trade an e-mail and password for a token pair")
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
@documents_errors(blp, 400, 401)
def login(body: dict[str, Any]) -> dict[str, Any]:
    return auth_service().login(body["email"], body["password"]).to_dict()


@blp.route("/refresh", methods=["POST"])
@blp.doc(security=ANYONE, summary="Spend a refresh token for a new pair in its family")
@blp.arguments(RefreshTokenSchema)
@blp.response(200, TokenPairSchema)
@documents_errors(blp, 400, 401)
def refresh(body: dict[str, Any]) -> dict[str, Any]:
    return auth_service().refresh(body["refresh_token"]).to_dict()


@blp.route("/logout", methods=["POST"])
@blp.doc(security=ANYONE, summary="Revoke a refresh token's whole family")
@blp.arguments(RefreshTokenSchema)
@blp.response(204)
@documents_errors(blp, 400, 401)
def logout(body: dict[str, Any]) -> Response:
    auth_service().logout(body["refresh_token"])
    return Response(status=204)
