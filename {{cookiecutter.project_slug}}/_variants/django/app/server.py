"""gunicorn, run from the console script rather than its own command line."""

import logging
from typing import Any
from wsgiref.types import WSGIApplication

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger


class GunicornServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> WSGIApplication:
        from app.config.wsgi import application

        return application


class JsonGunicornLogger(Logger):  # type: ignore[misc]
    """gunicorn's own messages go through the root logger, so they are JSON lines too."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers.clear()
            log.propagate = True
            log.setLevel(logging.NOTSET)
