"""gunicorn, run from the console script rather than its own command line, with the
options `serve` gives it: the same for Flask and Django."""

import ssl
from collections.abc import Callable
from typing import Any
from wsgiref.types import WSGIApplication

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from app.core.project import PROJECT
from app.core.serving import (
    freeze_startup_objects,
    socket_per_worker,
    thread_count,
    worker_count,
)
from app.core.settings import ConfigurationError, Settings

GRACEFUL_TIMEOUT_SECONDS = 30


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn configured by `options` rather than a file; each worker calls `load_app`."""

    def __init__(self, load_app: Callable[[], WSGIApplication], options: dict[str, Any]) -> None:
        self.load_app = load_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> WSGIApplication:
        return self.load_app()


class JsonGunicornLogger(Logger):  # type: ignore[misc]
    """gunicorn's own messages go through the root logger, so they are JSON lines too; its
    access log is off, as the app logs every request itself."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers.clear()
            log.propagate = True
        self.access_log.disabled = True


def require_tls_1_3(
    _config: Any, default_ssl_context_factory: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    context = default_ssl_context_factory()
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def worker_started(_worker: Any) -> None:
    """gunicorn's post_worker_init: the worker has built its app."""
    freeze_startup_objects()


def server_options(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    certfile: str | None,
    keyfile: str | None,
) -> dict[str, Any]:
    if (certfile is None) != (keyfile is None):
        raise ConfigurationError("--certfile and --keyfile go together")
    processes = worker_count(workers, settings)
    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": processes,
        "worker_class": "gthread",
        "threads": thread_count(processes),
        "reuse_port": socket_per_worker(processes),
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "logger_class": JsonGunicornLogger,
        "loglevel": settings.log_level.lower(),
        "proc_name": PROJECT.slug,
        # One fixed socket path per user would collide between services on one host.
        "control_socket_disable": True,
        # The app's ProxyHeadersMiddleware alone decides whom to believe (FORWARDED_ALLOW_IPS);
        # gunicorn would otherwise trust 127.0.0.1's X-Forwarded-Proto, or read that variable.
        "forwarded_allow_ips": "",
        "post_worker_init": worker_started,
    }
    if certfile:
        options |= {"certfile": certfile, "keyfile": keyfile, "ssl_context": require_tls_1_3}
    return options
