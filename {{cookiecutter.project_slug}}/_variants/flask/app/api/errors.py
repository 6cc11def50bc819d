"""One envelope for every error: the catalogue's AppErrors, Werkzeug's own HTTP errors
(404, 405, 413...), an unreachable database (503) and anything unexpected, which is
logged with its stack trace."""

import structlog
from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.api.hooks import current_request_id
from app.core.errors import (
    AppError,
    InternalError,
    Unavailable,
    ValidationFailed,
    error_body,
    error_for_status,
)
from app.core.json_body import body_error
from app.core.logging import LogEvent

logger = structlog.get_logger(__name__)

# The database cannot be reached or used right now: a lost connection, a refused one, an
# exhausted pool. The client may retry; the pool reconnects by itself once it can.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, _database_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


def error_response(error: AppError) -> Response:
    response = jsonify(error_body(error, current_request_id()))
    response.status_code = error.status
    response.headers.update(error.headers())
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    error = error_for_status(status)
    if isinstance(error, ValidationFailed):
        error = body_error("could not be read")
    response = error_response(error)
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _database_unavailable(exc: Exception) -> Response:
    logger.warning(LogEvent.DATABASE_UNAVAILABLE, error=type(exc).__name__)
    return error_response(Unavailable())


def _unexpected_error(exc: Exception) -> Response:
    logger.exception(
        LogEvent.UNHANDLED_EXCEPTION, method=request.method, path=request.path, exc_info=exc
    )
    return error_response(InternalError())
