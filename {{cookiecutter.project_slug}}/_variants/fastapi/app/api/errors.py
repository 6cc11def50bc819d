"""One envelope for every error, whichever layer raised it."""

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from app.core.errors import (
    AppError,
    FieldError,
    NotFound,
    Unavailable,
    ValidationFailed,
    error_body,
    error_for_status,
)
from app.core.logging import LogEvent
from app.core.request_id import request_id_from

logger = structlog.get_logger(__name__)

STATE_REQUEST_ID = "request_id"
# The database cannot be reached or used right now: a lost connection, a refused one, an
# exhausted pool. The client may retry; the pool reconnects by itself once it can.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def request_id_of(scope: Scope) -> str:
    """The id the request middleware gave this request (a fresh one if it never ran)."""
    state = scope.setdefault("state", {})
    if STATE_REQUEST_ID not in state:
        state[STATE_REQUEST_ID] = request_id_from(None)
    request_id: str = state[STATE_REQUEST_ID]
    return request_id


def error_response(error: AppError, scope: Scope) -> JSONResponse:
    return JSONResponse(
        error_body(error, request_id_of(scope)), status_code=error.status, headers=error.headers()
    )


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """Pydantic's errors as the contract's details, each naming a top-level field."""
    details: list[FieldError] = []
    for error in errors:
        location = tuple(error.get("loc", ()))
        named = len(location) > 1 and isinstance(location[1], str)
        field = location[1] if named and error.get("type") != "json_invalid" else "body"
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        details.append({"field": field, "message": message})
    return details


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """Every method the path takes: Starlette's Allow names only the first route it tried."""
    allowed = [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**scope, "method": method})[0] is Match.FULL
            for route in app.router.routes
        )
    ]
    return ", ".join(allowed)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc, request.scope)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own 404, 405 and the like."""
        response = error_response(error_for_status(exc.status_code), request.scope)
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(app, request.scope)
        return response

    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        logger.warning(LogEvent.DATABASE_UNAVAILABLE, error=type(exc).__name__)
        return error_response(Unavailable(), request.scope)

    for error_class in DATABASE_UNAVAILABLE:
        app.add_exception_handler(error_class, database_unavailable)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        # The id is part of the path: a path that holds no valid id names no resource.
        if any(tuple(error.get("loc", ()))[:1] == ("path",) for error in errors):
            return error_response(NotFound(), request.scope)
        return error_response(ValidationFailed(field_errors(errors)), request.scope)
