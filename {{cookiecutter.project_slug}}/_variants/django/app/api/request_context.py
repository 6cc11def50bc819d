"""The request id of the request being served, kept in structlog's context variables so
that every log line of the request carries it."""

import structlog

from app.core.request_id import request_id_from

REQUEST_ID = "request_id"


def bind_request_id(header_value: str | None) -> str:
    request_id = request_id_from(header_value)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


def current_request_id() -> str:
    bound = structlog.contextvars.get_contextvars().get(REQUEST_ID)
    return bound if isinstance(bound, str) else request_id_from(None)


def unbind_request_id() -> None:
    structlog.contextvars.unbind_contextvars(REQUEST_ID)
