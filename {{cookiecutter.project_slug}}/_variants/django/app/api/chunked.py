"""WSGI middleware for bodies sent with Transfer-Encoding: chunked.

Django reads a body only as far as CONTENT_LENGTH says, so a chunked body (which has
none) would read as empty. This buffers it, reading at most one byte past the limit,
and declares its length; a body over the limit is then refused with a 413 by
JsonBodyMiddleware like any other.
"""

import io
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from app.core.http import MAX_BODY_BYTES


class ChunkedBodyMiddleware:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)
