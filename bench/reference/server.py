"""Serves a reference app as the generated service's `serve` does: app.server's uvicorn and
guarded protocol, Flask and Django through app.wsgi_server on as many threads, and a
listening socket per worker when there are several. Those modules are the generated
project's own, installed in the environment the benchmark baked, so both sides run one
server.

    python server.py fastapi|flask|django PORT WORKERS
"""

import importlib
import sys
from functools import partial
from typing import Any

from app import server
from app.core.serving import thread_count
from app.core.settings import load_settings

APPS = {
    "fastapi": ("fastapi_app", "app"),
    "flask": ("flask_app", "app"),
    "django": ("django_app", "application"),
}


def reference_app(framework: str) -> Any:
    """Imported in each worker, as `serve` has each worker build its app."""
    module, name = APPS[framework]
    return getattr(importlib.import_module(module), name)


def main(framework: str, port: int, workers: int) -> None:
    app: Any = partial(reference_app, framework)
    if framework != "fastapi":
        from app.wsgi_server import whole_requests

        app = partial(whole_requests, app, thread_count(workers))
    server.serve(
        app,
        load_settings(),
        host="127.0.0.1",
        port=port,
        workers=workers,
        certfile=None,
        keyfile=None,
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
