"""/api/v1/users: sign-up, listing, and one user's reads and writes."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from app.api import schema
from app.api.authentication import optional_principal, principal
from app.api.serializers import (
    ListQuerySerializer,
    UserCreateSerializer,
    UserEnvelopeSerializer,
    UserListSerializer,
    UserPatchSerializer,
    UserReplaceSerializer,
)
from app.api.views import ApiView, validated_body, validated_query
from app.core.domain import ID_MAX, User
from app.core.http import API_PREFIX
from app.core.listing import ListQuery
from app.wiring import request_services

TAGS = ["users"]
USER_ID = OpenApiParameter(
    "user_id",
    {"type": "integer", "minimum": 1, "maximum": ID_MAX},
    OpenApiParameter.PATH,
    description="Any other value in this place is a 404.",
)


def user_response(user: User, status_code: int = status.HTTP_200_OK, **headers: str) -> Response:
    return Response({"data": user.to_dict()}, status=status_code, headers=headers or None)


class UsersView(ApiView):
    token_optional = frozenset({"POST"})

    @extend_schema(
        operation_id="users_create",
        summary="Sign up (an admin's token may also set a role)",
        tags=TAGS,
        request=UserCreateSerializer,
        responses={201: UserEnvelopeSerializer, **schema.errors(401, 403, 409, body=True)},
    )
    def post(self, request: Request) -> Response:
        body = validated_body(request, UserCreateSerializer)
        user = request_services(request).users.register(
            email=body["email"],
            name=body["name"],
            password=body["password"],
            role=body.get("role"),
            actor=optional_principal(request),
        )
        return user_response(
            user, status.HTTP_201_CREATED, Location=f"{API_PREFIX}/users/{user.id}"
        )

    @extend_schema(
        operation_id="users_list",
        summary="List users, newest first (admins only)",
        tags=TAGS,
        parameters=[ListQuerySerializer],
        responses={200: UserListSerializer, **schema.errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = validated_query(request, ListQuerySerializer)
        page = request_services(request).users.list(
            ListQuery(page=query["page"], limit=query["limit"], search=query.get("search") or None),
            principal(request),
        )
        return Response(
            {
                "data": [user.to_dict() for user in page.items],
                "pagination": {"page": page.page, "limit": page.limit, "total": page.total},
            }
        )


class MeView(ApiView):
    @extend_schema(
        operation_id="users_me",
        summary="The signed-in user",
        tags=TAGS,
        responses={200: UserEnvelopeSerializer, **schema.errors(401)},
    )
    def get(self, request: Request) -> Response:
        actor = principal(request)
        return user_response(request_services(request).users.get(actor.user_id, actor))


@extend_schema(parameters=[USER_ID])
class UserView(ApiView):
    @extend_schema(
        operation_id="users_retrieve",
        summary="One user (the user or an admin)",
        tags=TAGS,
        responses={200: UserEnvelopeSerializer, **schema.errors(401, 403)},
    )
    def get(self, request: Request, user_id: int) -> Response:
        return user_response(request_services(request).users.get(user_id, principal(request)))

    @extend_schema(
        operation_id="users_replace",
        summary="Replace a user's writable fields (the user or an admin)",
        tags=TAGS,
        request=UserReplaceSerializer,
        responses={200: UserEnvelopeSerializer, **schema.errors(401, 403, 409, body=True)},
    )
    def put(self, request: Request, user_id: int) -> Response:
        return self._update(request, user_id, validated_body(request, UserReplaceSerializer))

    @extend_schema(
        operation_id="users_update",
        summary="Change some of a user's writable fields (the user or an admin)",
        tags=TAGS,
        request=UserPatchSerializer,
        responses={200: UserEnvelopeSerializer, **schema.errors(401, 403, 409, body=True)},
    )
    def patch(self, request: Request, user_id: int) -> Response:
        return self._update(request, user_id, validated_body(request, UserPatchSerializer))

    @extend_schema(
        operation_id="users_destroy",
        summary="Delete a user and the user's refresh tokens (the user or an admin)",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Deleted"), **schema.errors(401, 403)},
    )
    def delete(self, request: Request, user_id: int) -> Response:
        request_services(request).users.delete(user_id, principal(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request: Request, user_id: int, changes: dict[str, Any]) -> Response:
        return user_response(
            request_services(request).users.update(user_id, changes, principal(request))
        )
