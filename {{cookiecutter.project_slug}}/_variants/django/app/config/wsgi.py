"""The WSGI application `serve` runs (app/wsgi_server.py reads each body whole first, chunked
or not, and gives it a Content-Length, which is all Django reads a body by).

Forwarded headers are resolved here, around all of Django, by the WSGI middleware Flask
uses too: every Django middleware (request log, CORS, rate limits) and
`request.is_secure()` then see the client and scheme that a trusted proxy reported.
"""

import os
from wsgiref.types import WSGIApplication

from django.core.wsgi import get_wsgi_application

from app.api.proxy_headers import ProxyHeadersMiddleware
from app.core.settings import get_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.config.settings")


def build_application() -> WSGIApplication:
    application: WSGIApplication = get_wsgi_application()
    trusted = get_settings().forwarded_allow_ips
    return ProxyHeadersMiddleware(application, trusted) if trusted else application


application = build_application()
