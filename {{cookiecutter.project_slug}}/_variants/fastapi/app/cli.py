"""The console script: migrate, create-admin, serve."""

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence

from alembic import command
from alembic.config import Config

from app import server
from app.adapters.cache import connect_cache
from app.adapters.hashing import ThreadedHasher
from app.core.domain import Principal, Role
from app.core.errors import Conflict, Unavailable
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.security import PasswordHasher
from app.core.serving import worker_count
from app.core.settings import ConfigurationError, Settings, ensure_jwt_secret, load_settings
from app.core.validation import check_password, normalize_email, normalize_name
from app.repositories.database import create_engine, create_sessionmaker
from app.repositories.users import SqlUserRepository
from app.services.users import UserService

# The command line acts with an admin's rights.
OPERATOR = Principal(user_id=0, role=Role.ADMIN)


class CommandError(Exception):
    """A one-line failure of a command: printed to stderr, exit 1."""


def migrate(settings: Settings) -> None:
    config = Config()
    config.set_main_option("script_location", "app:migrations")
    config.attributes["database_url"] = settings.database_url
    command.upgrade(config, "head")


def create_admin(settings: Settings, email: str, name: str) -> None:
    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise CommandError(f"--email: {exc}") from None
    try:
        name = normalize_name(name)
    except ValueError as exc:
        raise CommandError(f"--name: {exc}") from None
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        check_password(password)
    except ValueError as exc:
        raise CommandError(f"ADMIN_PASSWORD: {exc}") from None
    asyncio.run(_create_admin(settings, email, name, password))
    print(f"created admin {email}")


async def _create_admin(settings: Settings, email: str, name: str, password: str) -> None:
    engine = create_engine(settings.database_url)
    cache = connect_cache(settings.redis_url)
    try:
        async with create_sessionmaker(engine)() as session:
            users = UserService(
                SqlUserRepository(session),
                cache,
                ThreadedHasher(PasswordHasher(settings.password_hash_profile)),
                settings.cache_ttl_seconds,
            )
            await users.register(
                email=email, name=name, password=password, role=Role.ADMIN, actor=OPERATOR
            )
    except (Conflict, Unavailable) as exc:
        raise CommandError(f"{email}: {exc.message}") from None
    finally:
        await cache.close()
        await engine.dispose()


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    server.serve(
        "app.main:create_app",
        settings,
        host=host,
        port=port,
        workers=worker_count(workers, settings),
        certfile=certfile,
        keyfile=keyfile,
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog=PROJECT.slug, description=PROJECT.description)
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database schema up to date")
    admin = commands.add_parser(
        "create-admin", help="create an admin (password from ADMIN_PASSWORD or a prompt)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    run = commands.add_parser("serve", help="run the HTTP server")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=None)
    run.add_argument("--certfile", default=None)
    run.add_argument("--keyfile", default=None)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging("INFO")
    try:
        if args.command == "serve":
            # One secret for every worker this process starts, when none is configured.
            ensure_jwt_secret()
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "migrate":
            migrate(settings)
        elif args.command == "create-admin":
            create_admin(settings, args.email, args.name)
        else:
            serve(settings, args.host, args.port, args.workers, args.certfile, args.keyfile)
    except (ConfigurationError, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
