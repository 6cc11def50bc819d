"""X-Request-ID: keep the caller's when it is safe to log, make one otherwise."""

import re
import uuid

HEADER = "X-Request-ID"
_SAFE = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_from(header_value: str | None) -> str:
    if header_value is not None and _SAFE.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex
