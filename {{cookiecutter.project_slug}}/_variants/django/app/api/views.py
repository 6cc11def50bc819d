"""What every API view shares: input is validated before anyone is authenticated."""

from typing import Any, TypeVar

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from app.api.errors import BODY_FIELD
from app.core.errors import ValidationFailed

S = TypeVar("S", bound=serializers.Serializer[Any])


class ApiView(APIView):
    # Authentication runs when a handler first asks for the caller, after validation,
    # so that a bad request is a 400 whoever sends it (docs/decisions.md).
    def perform_authentication(self, request: Request) -> None:
        return None


def validated_body(request: Request, serializer_class: type[S]) -> dict[str, Any]:
    # DRF reads an empty body as {}; the contract wants it named a bad body.
    if not _has_body(request):
        raise ValidationFailed([{"field": BODY_FIELD, "message": "must be a JSON object"}])
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(request: Request, serializer_class: type[S]) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _has_body(request: Request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:
        return False
