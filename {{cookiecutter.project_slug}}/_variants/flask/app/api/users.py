"""The users resource: sign-up, listing (admins), one user (that user or an admin)."""

from typing import Any

from flask import Response, url_for
from flask.views import MethodView

from app.api.extensions import Blueprint
from app.api.openapi import documents_errors
from app.api.schemas import (
    ListQuerySchema,
    SignUpSchema,
    UserEnvelopeSchema,
    UserListSchema,
    UserPatchSchema,
    UserReplaceSchema,
)
from app.api.security import OPTIONALLY_SIGNED_IN, SIGNED_IN, optional_principal, require_principal
from app.core.domain import User
from app.core.http import API_PREFIX
from app.core.listing import ListQuery
from app.wiring import user_service

blp = Blueprint(
    "users", __name__, url_prefix=f"{API_PREFIX}/users", description="Users and their accounts"
)

# Returned by the views as (body, status, headers); flask-smorest dumps the body.
ViewResult = dict[str, Any] | tuple[dict[str, Any], int, dict[str, str]]


def user_body(user: User) -> dict[str, Any]:
    return {"data": user.to_dict()}


@blp.route("")
class UsersView(MethodView):
    @blp.doc(security=SIGNED_IN, summary="List users (admins)")
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, UserListSchema)
    @documents_errors(blp, 400, 401, 403)
    def get(self, query: dict[str, Any]) -> ViewResult:
        actor = require_principal()
        page = user_service().list(
            ListQuery(page=query["page"], limit=query["limit"], search=query["search"] or None),
            actor,
        )
        return {
            "data": [user.to_dict() for user in page.items],
            "pagination": {"page": page.page, "limit": page.limit, "total": page.total},
        }

    @blp.doc(security=OPTIONALLY_SIGNED_IN, summary="Sign up (an admin's token may set role)")
    @blp.arguments(SignUpSchema)
    @blp.response(201, UserEnvelopeSchema, headers={"Location": {"schema": {"type": "string"}}})
    @documents_errors(blp, 400, 401, 403, 409)
    def post(self, body: dict[str, Any]) -> ViewResult:
        actor = optional_principal()
        user = user_service().register(
            email=body["email"],
            name=body["name"],
            password=body["password"],
            role=body.get("role"),
            actor=actor,
        )
        location = url_for("users.UserView", user_id=user.id)
        return user_body(user), 201, {"Location": location}


@blp.route("/me")
class MeView(MethodView):
    @blp.doc(security=SIGNED_IN, summary="The signed-in user")
    @blp.response(200, UserEnvelopeSchema)
    @documents_errors(blp, 401)
    def get(self) -> ViewResult:
        actor = require_principal()
        return user_body(user_service().get(actor.user_id, actor))


@blp.route("/<user_id:user_id>")
class UserView(MethodView):
    @blp.doc(security=SIGNED_IN, summary="One user (that user or an admin)")
    @blp.response(200, UserEnvelopeSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, user_id: int) -> ViewResult:
        return user_body(user_service().get(user_id, require_principal()))

    @blp.doc(security=SIGNED_IN, summary="Replace a user's writable fields")
    @blp.arguments(UserReplaceSchema)
    @blp.response(200, UserEnvelopeSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409)
    def put(self, body: dict[str, Any], user_id: int) -> ViewResult:
        return user_body(user_service().update(user_id, body, require_principal()))

    @blp.doc(security=SIGNED_IN, summary="Change some of a user's writable fields")
    @blp.arguments(UserPatchSchema)
    @blp.response(200, UserEnvelopeSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409)
    def patch(self, body: dict[str, Any], user_id: int) -> ViewResult:
        return user_body(user_service().update(user_id, body, require_principal()))

    @blp.doc(security=SIGNED_IN, summary="Delete a user and the user's refresh tokens")
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, user_id: int) -> Response:
        user_service().delete(user_id, require_principal())
        return Response(status=204)
