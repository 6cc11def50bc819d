"""/api/v1/auth: login, refresh-token rotation and logout. None of them takes an access token."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import schema
from app.api.serializers import LoginSerializer, RefreshTokenSerializer, TokenPairSerializer
from app.api.views import ApiView, validated_body
from app.wiring import request_services

TAGS = ["auth"]


class LoginView(ApiView):
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_login",
        summary="Exchange an e-mail and password for a token pair",
        tags=TAGS,
        request=LoginSerializer,
        responses={200: TokenPairSerializer, **schema.errors(401, body=True)},
    )
    def post(self, request: Request) -> Response:
        body = validated_body(request, LoginSerializer)
        return Response(
            request_services(request).auth.login(body["email"], body["password"]).to_dict()
        )


class RefreshView(ApiView):
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_refresh",
        summary="Spend a refresh token for a new pair in the same family",
        tags=TAGS,
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, **schema.errors(401, body=True)},
    )
    def post(self, request: Request) -> Response:
        body = validated_body(request, RefreshTokenSerializer)
        return Response(request_services(request).auth.refresh(body["refresh_token"]).to_dict())


class LogoutView(ApiView):
    authentication_classes = ()

    @extend_schema(
        operation_id="auth_logout",
        summary="Revoke a refresh token's whole family",
        tags=TAGS,
        request=RefreshTokenSerializer,
        responses={204: OpenApiResponse(description="Revoked"), **schema.errors(401, body=True)},
    )
    def post(self, request: Request) -> Response:
        body = validated_body(request, RefreshTokenSerializer)
        request_services(request).auth.logout(body["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)
