"""The console script: migrate, create-admin, serve."""

import os
import ssl
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
from alembic import command
from alembic.config import Config
from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from app.api import create_app, shutdown
from app.api.wiring import build_cache
from app.core import validation
from app.core.domain import Principal, Role
from app.core.errors import Conflict
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.security import PasswordHasher
from app.core.serving import (
    freeze_startup_objects,
    socket_per_worker,
    thread_count,
    worker_count,
)
from app.core.settings import ConfigurationError, Settings, ensure_jwt_secret, load_settings
from app.repositories.database import create_database_engine, session_factory
from app.repositories.users import SqlUserRepository
from app.services.users import UserService

# The command line acts with an admin's rights: it is how the first admin is made.
OPERATOR = Principal(user_id=0, role=Role.ADMIN)
GRACEFUL_TIMEOUT_SECONDS = 30


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as exc:
        fail(str(exc))


@click.group(help=f"{PROJECT.name}: {PROJECT.description}")
def main() -> None:
    """The service's operations."""
    # JSON from the first line on; each command then applies LOG_LEVEL.
    configure_logging("INFO")


@main.command()
def migrate() -> None:
    """Bring the schema at DATABASE_URL up to date."""
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    upgrade_database(settings.database_url)
    click.echo("database schema is up to date")


def upgrade_database(database_url: str) -> None:
    """Alembic's `upgrade head`, configured here so it works from any directory."""
    config = Config()
    config.set_main_option("script_location", "app:migrations")
    config.attributes["database_url"] = database_url
    command.upgrade(config, "head")


@main.command("create-admin")
@click.option("--email", required=True, help="The admin's e-mail address.")
@click.option("--name", required=True, help="The admin's name.")
def create_admin(email: str, name: str) -> None:
    """Create an admin; the password comes from ADMIN_PASSWORD or a prompt."""
    settings = settings_or_exit()
    password = os.environ.get("ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        email = validation.normalize_email(email)
        name = validation.normalize_name(name)
        password = validation.check_password(password)
    except ValueError as exc:
        fail(f"invalid admin: {exc}")
    engine = create_database_engine(settings.database_url)
    cache = build_cache(settings)
    try:
        with session_factory(engine)() as session:
            service = UserService(
                SqlUserRepository(session),
                cache,
                PasswordHasher(settings.password_hash_profile),
                settings.cache_ttl_seconds,
            )
            user = service.register(
                email=email, name=name, password=password, role=Role.ADMIN, actor=OPERATOR
            )
    except Conflict:
        fail(f"{email} is already registered")
    finally:
        cache.close()
        engine.dispose()
    click.echo(f"created admin {user.email} (id {user.id})")


def require_tls_1_3(
    _config: Any, default_ssl_context_factory: Callable[[], ssl.SSLContext]
) -> ssl.SSLContext:
    context = default_ssl_context_factory()
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def close_worker_pools(_server: Any, worker: Any) -> None:
    shutdown(worker.wsgi)


class JsonLogger(Logger):  # type: ignore[misc]
    """Gunicorn's own messages go through the service's JSON logging; the access log is
    off because the app logs every request itself."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.handlers.clear()
            log.propagate = True
        self.access_log.disabled = True


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn, configured here rather than by a config file; each worker builds its app."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return create_app()


def server_options(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    certfile: str | None,
    keyfile: str | None,
) -> dict[str, Any]:
    processes = worker_count(workers, settings)
    options: dict[str, Any] = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": processes,
        "worker_class": "gthread",
        "threads": thread_count(processes),
        "reuse_port": socket_per_worker(processes),
        "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
        "logger_class": JsonLogger,
        "loglevel": settings.log_level.lower(),
        "worker_exit": close_worker_pools,
        "proc_name": PROJECT.slug,
        # One fixed socket path per user would collide between services on one host.
        "control_socket_disable": True,
        # The app's ProxyHeadersMiddleware alone decides whom to believe (FORWARDED_ALLOW_IPS);
        # gunicorn would otherwise trust 127.0.0.1's X-Forwarded-Proto, or read that variable.
        "forwarded_allow_ips": "",
        "post_worker_init": freeze_startup_objects,
    }
    if certfile or keyfile:
        if not (certfile and keyfile):
            raise ConfigurationError("--certfile and --keyfile: give both or neither")
        options.update(certfile=certfile, keyfile=keyfile, ssl_context=require_tls_1_3)
    return options


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=int, help="Processes; more than one needs REDIS_URL.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False))
def serve(
    host: str, port: int, workers: int | None, certfile: str | None, keyfile: str | None
) -> None:
    """Run gunicorn; with a certificate, HTTPS only, TLS 1.3 at the least."""
    ensure_jwt_secret()
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    try:
        options = server_options(settings, host, port, workers, certfile, keyfile)
        # Fails here, once, rather than in every worker, when REDIS_URL cannot be used.
        build_cache(settings).close()
    except ConfigurationError as exc:
        fail(str(exc))
    GunicornServer(options).run()
