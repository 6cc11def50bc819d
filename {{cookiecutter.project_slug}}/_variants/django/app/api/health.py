"""/health (the process is alive) and /health/ready (the database and Redis answer)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from app.adapters.probes import database_ok
from app.api import schema
from app.api.request_context import current_request_id
from app.api.serializers import HealthSerializer, ReadinessSerializer
from app.core.errors import Unavailable, error_body
from app.wiring import components

TAGS = ["health"]


def _state(ok: bool) -> str:
    return "ok" if ok else "error"


class LivenessView(APIView):
    authentication_classes = ()

    @extend_schema(
        operation_id="health",
        summary="The process is alive",
        tags=TAGS,
        responses={200: HealthSerializer, **schema.errors()},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadinessView(APIView):
    authentication_classes = ()

    @extend_schema(
        operation_id="health_ready",
        summary="The database and a configured Redis are reachable",
        tags=TAGS,
        responses={
            200: ReadinessSerializer,
            503: OpenApiResponse(ReadinessSerializer, description="unavailable"),
            **schema.errors(),
        },
    )
    def get(self, request: Request) -> Response:
        checks = {"database": _state(database_ok()), "cache": _state(components().cache.ping())}
        if all(state == "ok" for state in checks.values()):
            return Response({"status": "ok", "checks": checks})
        return Response(
            {
                "status": "error",
                "checks": checks,
                **error_body(Unavailable(), current_request_id()),
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
