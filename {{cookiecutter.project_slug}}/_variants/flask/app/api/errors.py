"""One envelope for every error: the catalogue's AppErrors, Werkzeug's own HTTP errors
(404, 405, 413...) and anything unexpected, which is logged with its stack trace."""

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.api.arguments import body_error
from app.api.hooks import current_request_id
from app.core.errors import (
    AppError,
    InternalError,
    ValidationFailed,
    error_body,
    error_for_status,
)

logger = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(AppError, error_response)
    app.register_error_handler(HTTPException, _http_error)
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


def _unexpected_error(exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(InternalError())
