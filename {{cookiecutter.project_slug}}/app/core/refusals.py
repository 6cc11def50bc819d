"""The answers the HTTP server gives by itself, before any framework sees the request: the
contract's envelope like every other error, with an X-Request-ID, the security headers
where the service sends them, and nothing of what the client sent."""

import json
from dataclasses import dataclass

from app.core.errors import AppError, error_body
from app.core.http import SECURITY_HEADERS
from app.core.request_id import HEADER as REQUEST_ID_HEADER


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def refusal(error: AppError, request_id: str, *, security_headers: bool) -> Refusal:
    """`error` as a complete response that also ends the connection."""
    body = json.dumps(error_body(error, request_id), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        REQUEST_ID_HEADER: request_id,
        "Connection": "close",
        **error.headers(),
        **(SECURITY_HEADERS if security_headers else {}),
    }
    encoded = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Refusal(error.status, encoded, body)
