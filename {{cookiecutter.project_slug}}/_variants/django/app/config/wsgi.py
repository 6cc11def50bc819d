"""The WSGI application gunicorn serves."""

import os

from django.core.wsgi import get_wsgi_application

from app.api.chunked import ChunkedBodyMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.config.settings")

application = ChunkedBodyMiddleware(get_wsgi_application())
