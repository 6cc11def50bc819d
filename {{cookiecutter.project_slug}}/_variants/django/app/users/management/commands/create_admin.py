"""manage.py create_admin --email E --name N: the password from ADMIN_PASSWORD or a prompt."""

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from app.core.domain import Principal, Role
from app.core.errors import Conflict, Unavailable
from app.core.validation import check_password, normalize_email, normalize_name
from app.wiring import services

PASSWORD_VARIABLE = "ADMIN_PASSWORD"
# Whoever runs the console command is trusted as an admin.
OPERATOR = Principal(user_id=0, role=Role.ADMIN)


class Command(BaseCommand):
    help = f"Create an admin user. The password comes from {PASSWORD_VARIABLE} or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        email = _checked("--email", normalize_email, options["email"])
        name = _checked("--name", normalize_name, options["name"])
        password = _checked("password", check_password, _password())
        try:
            user = services().users.register(
                email=email, name=name, password=password, role=Role.ADMIN, actor=OPERATOR
            )
        except (Conflict, Unavailable) as exc:
            raise CommandError(f"{email}: {exc.message}") from None
        self.stdout.write(f"Created admin {user.email} (id {user.id})")


def _password() -> str:
    from_environment = os.environ.get(PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Password (again): "):
        raise CommandError("the passwords do not match")
    return password


def _checked(label: str, rule: Any, value: str) -> str:
    try:
        return str(rule(value))
    except ValueError as exc:
        raise CommandError(f"{label}: {exc}") from None
