"""The OpenAPI document: the contract's error responses instead of FastAPI's 422."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.schemas import ErrorResponse
from app.core.errors import BY_STATUS

INTEGER_HEADER = {"schema": {"type": "integer"}}
ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Always `Bearer`."}},
    405: {"Allow": {"schema": {"type": "string"}, "description": "The methods the path takes."}},
    429: {
        "Retry-After": {**INTEGER_HEADER, "description": "Seconds until a retry may succeed."},
        "RateLimit-Limit": INTEGER_HEADER,
        "RateLimit-Remaining": INTEGER_HEADER,
        "RateLimit-Reset": INTEGER_HEADER,
    },
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Responses for these error statuses, each with the contract's envelope."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        error = BY_STATUS[status]
        response: dict[str, Any] = {
            "model": ErrorResponse,
            "description": f"`{error.code}`: {error.default_message}.",
        }
        if status in ERROR_HEADERS:
            response["headers"] = ERROR_HEADERS[status]
        responses[status] = response
    return responses


def contract_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents a 422 for every validated input; this service answers 400."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                operation.get("responses", {}).pop("422", None)
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = schema
    return app.openapi_schema
