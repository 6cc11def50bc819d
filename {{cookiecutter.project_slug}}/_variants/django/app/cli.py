"""The console script: migrate, create-admin and serve, over Django's management commands
and uvicorn. A bad setting is one line on stderr naming the variable, and exit 1."""

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any
from wsgiref.types import WSGIApplication

from app import server
from app.core.logging import configure_logging
from app.core.project import PROJECT
from app.core.serving import thread_count, worker_count
from app.core.settings import ConfigurationError, ensure_jwt_secret, get_settings
from app.wsgi_server import whole_requests

SETTINGS_MODULE = "app.config.settings"


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    command: Callable[[argparse.Namespace], None] = args.command
    try:
        command(args)
    except ConfigurationError as exc:
        _fail(str(exc))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROJECT.slug, description=PROJECT.description)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    migrate = commands.add_parser("migrate", help="bring the schema at DATABASE_URL up to date")
    migrate.set_defaults(command=_migrate)

    admin = commands.add_parser(
        "create-admin", help="create an admin; the password comes from ADMIN_PASSWORD or a prompt"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.set_defaults(command=_create_admin)

    serve = commands.add_parser("serve", help="run the production server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None)
    serve.add_argument("--certfile", default=None, help="serve HTTPS only, TLS 1.3 at the least")
    serve.add_argument("--keyfile", default=None)
    serve.set_defaults(command=_serve)
    return parser


def _setup_django() -> None:
    get_settings()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def _run_management_command(command: str, **options: Any) -> None:
    _setup_django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(command, **options)
    except CommandError as exc:
        _fail(str(exc))


def _migrate(_args: argparse.Namespace) -> None:
    _run_management_command("migrate", interactive=False, verbosity=1)


def _create_admin(args: argparse.Namespace) -> None:
    _run_management_command("create_admin", email=args.email, name=args.name)


def _serve(args: argparse.Namespace) -> None:
    configure_logging("INFO")
    # Before the workers start, so that every one inherits the same secret.
    ensure_jwt_secret()
    settings = get_settings()
    configure_logging(settings.log_level)
    processes = worker_count(args.workers, settings)
    server.serve(
        partial(whole_requests, _django_application, thread_count(processes)),
        settings,
        host=args.host,
        port=args.port,
        workers=processes,
        certfile=args.certfile,
        keyfile=args.keyfile,
    )


def _django_application() -> WSGIApplication:
    """Imported in each worker, where Django sets itself up."""
    from app.config.wsgi import application

    return application


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(1)


if __name__ == "__main__":
    main()
