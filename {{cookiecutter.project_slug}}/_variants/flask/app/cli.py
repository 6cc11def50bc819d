"""The console script: migrate, create-admin, serve."""

import os
import sys
from functools import partial
from typing import NoReturn

import click
from alembic import command
from alembic.config import Config

from app import server
from app.adapters.cache import connect_cache
from app.api import create_app, shutdown
from app.core import validation
from app.core.domain import Principal, Role
from app.core.errors import Conflict, Unavailable
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.security import PasswordHasher
from app.core.serving import thread_count, worker_count
from app.core.settings import ConfigurationError, Settings, ensure_jwt_secret, load_settings
from app.repositories.database import create_database_engine, session_factory
from app.repositories.users import SqlUserRepository
from app.services.users import UserService
from app.wsgi_server import whole_requests

# The command line acts with an admin's rights: it is how the first admin is made.
OPERATOR = Principal(user_id=0, role=Role.ADMIN)


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
    cache = connect_cache(settings.redis_url)
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
    except (Conflict, Unavailable) as exc:
        fail(f"{email}: {exc.message}")
    finally:
        cache.close()
        engine.dispose()
    click.echo(f"created admin {user.email} (id {user.id})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=int, help="Processes; more than one needs REDIS_URL.")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False))
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False))
def serve(
    host: str, port: int, workers: int | None, certfile: str | None, keyfile: str | None
) -> None:
    """Run the HTTP server (uvicorn); with a certificate, HTTPS only, TLS 1.3 at the least."""
    ensure_jwt_secret()
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    try:
        processes = worker_count(workers, settings)
        # Fails here, once, rather than in every worker, when REDIS_URL cannot be used.
        connect_cache(settings.redis_url).close()
        server.serve(
            partial(whole_requests, create_app, thread_count(processes), shutdown),
            settings,
            host=host,
            port=port,
            workers=processes,
            certfile=certfile,
            keyfile=keyfile,
        )
    except ConfigurationError as exc:
        fail(str(exc))
