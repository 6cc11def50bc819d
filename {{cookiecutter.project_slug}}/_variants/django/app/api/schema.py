"""OpenAPI pieces the views share: security requirements and documented error responses."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from app.api.openapi import SCHEME_NAME
from app.api.serializers import ErrorEnvelopeSerializer

BEARER: dict[str, list[str]] = {SCHEME_NAME: []}

_DESCRIPTIONS = {
    400: "validation_error: bad JSON, wrong types, unknown fields or bad query values",
    401: "unauthorized: a missing, invalid or expired token (WWW-Authenticate: Bearer)",
    403: "forbidden: the caller may not do this",
    404: "not_found",
    405: "method_not_allowed (with Allow)",
    409: "conflict: the e-mail is taken",
    413: "payload_too_large: a body over 1 MiB",
    415: "unsupported_media_type: a body that is not application/json",
    429: "rate_limited (with Retry-After)",
    500: "internal_error",
}
# Any request can meet these, whatever its endpoint.
ALWAYS = (404, 405, 429, 500)
# A request with a body can also meet these.
WITH_BODY = (400, 413, 415)


def errors(*statuses: int, body: bool = False) -> dict[int, Any]:
    chosen = set(statuses) | set(ALWAYS) | (set(WITH_BODY) if body else set())
    return {
        status: OpenApiResponse(ErrorEnvelopeSerializer, description=_DESCRIPTIONS[status])
        for status in sorted(chosen)
    }


class ContractAutoSchema(AutoSchema):
    """Security requirements as the contract states them: none on views that take no
    token, an optional token where a view lists the method in `token_optional`
    (sign-up, where an admin's token may set a role), a bearer token everywhere else."""

    def get_auth(self) -> list[dict[str, list[str]]]:
        if not self.view.get_authenticators():
            return []
        if self.method in getattr(self.view, "token_optional", ()):
            return [BEARER, {}]
        return [BEARER]


def strict_request_bodies(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A drf-spectacular postprocessing hook: a request body is required (an empty one is a
    400), admits no unknown fields (a 400 too), and for a PATCH holds at least one field."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["requestBody"]["required"] = True
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            component["additionalProperties"] = False
            if name.startswith("Patched"):
                component["minProperties"] = 1
    return result
