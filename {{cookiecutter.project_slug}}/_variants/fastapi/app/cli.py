"""The console script: migrate, create-admin, serve."""

import argparse
import asyncio
import getpass
import logging
import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn
from alembic import command
from alembic.config import Config
from uvicorn.supervisors import Multiprocess

from app.adapters.cache import connect_cache
from app.adapters.hashing import ThreadedHasher
from app.core.domain import Principal, Role
from app.core.errors import Conflict, Unavailable
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.security import PasswordHasher
from app.core.serving import freeze_startup_objects, socket_per_worker, worker_count
from app.core.settings import ConfigurationError, Settings, ensure_jwt_secret, load_settings
from app.core.validation import check_password, normalize_email, normalize_name
from app.repositories.database import create_engine, create_sessionmaker
from app.repositories.users import SqlUserRepository
from app.services.users import UserService

# The command line acts with an admin's rights.
OPERATOR = Principal(user_id=0, role=Role.ADMIN)
GRACEFUL_SHUTDOWN_SECONDS = 30
# How long a worker may take to answer its supervisor, imports and start-up included.
WORKER_STARTUP_SECONDS = 30


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


class ServerConfig(uvicorn.Config):
    """uvicorn's configuration for `serve`, loaded in each worker: TLS 1.3 as the least a
    client may speak, and the worker's start-up objects frozen once its app is built."""

    def load(self) -> None:
        super().load()
        if self.ssl is not None:
            self.ssl.minimum_version = ssl.TLSVersion.TLSv1_3
        freeze_startup_objects()


class SocketPerWorker(list[socket.socket]):
    """The sockets uvicorn hands each worker it starts, which it does by pickling them: every
    worker unpickles a listening socket of its own on the reserved address, and the kernel
    spreads new connections over them (app/core/serving.py)."""

    def __init__(self, reserved: socket.socket) -> None:
        super().__init__()
        # Bound and never listening, so it takes no connections: it keeps the address for
        # workers started later, and a port in use failed here, before any worker.
        self.reserved = reserved

    def __reduce__(self) -> tuple[Callable[..., list[socket.socket]], tuple[object, ...]]:
        return worker_sockets, (self.reserved.family, self.reserved.getsockname())


def shareable_socket(family: int, address: tuple[str | int, ...]) -> socket.socket:
    """A TCP socket bound to `address` with SO_REUSEPORT, which every socket sharing the
    address sets."""
    bound = socket.socket(family)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bound.bind(address)
    except OSError:
        bound.close()
        raise
    return bound


def worker_sockets(family: int, address: tuple[str | int, ...]) -> list[socket.socket]:
    return [shareable_socket(family, address)]


def listen_per_worker(config: uvicorn.Config) -> SocketPerWorker:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        reserved = shareable_socket(family, (config.host, config.port))
    except OSError as exc:
        raise CommandError(f"--host/--port {config.host}:{config.port}: {exc.strerror}") from None
    host, port = reserved.getsockname()[:2]
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on %s://%s:%d (Press CTRL+C to quit)",
        "https" if config.is_ssl else "http",
        f"[{host}]" if family == socket.AF_INET6 else host,
        port,
    )
    return SocketPerWorker(reserved)


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int | None,
    certfile: str | None,
    keyfile: str | None,
) -> None:
    if (certfile is None) != (keyfile is None):
        raise CommandError("--certfile and --keyfile go together")
    config = ServerConfig(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=worker_count(workers, settings),
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_config=None,
        access_log=False,
        # create_app adds ProxyHeadersMiddleware for FORWARDED_ALLOW_IPS; uvicorn's own would
        # trust 127.0.0.1 (or that variable) even when the setting is empty.
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
    )
    # uvicorn drains the connections on SIGTERM, then raises the signal again: exit 0 then.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    if socket_per_worker(config.workers):
        Multiprocess(config, sockets=listen_per_worker(config)).run()
    elif config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


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
