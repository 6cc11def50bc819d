"""Users in the database, handed out as `app.core.domain.User` values."""

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from app.core.domain import Credentials, Page, Role, User, utc_now
from app.core.errors import Conflict
from app.core.listing import ListQuery
from app.users.models import User as UserModel

EMAIL_TAKEN = "A user with this e-mail already exists"
# Port field -> model field: the model keeps Django's name for the hash.
COLUMNS = {"email": "email", "name": "name", "role": "role", "password_hash": "password"}
# PostgreSQL text cannot hold NUL (psycopg refuses to send one), so no stored value contains one.
NUL = "\x00"


class DjangoUserRepository:
    def get(self, user_id: int) -> User | None:
        row = UserModel.objects.filter(pk=user_id).first()
        return row.to_domain() if row else None

    def get_credentials(self, email: str) -> Credentials | None:
        if NUL in email:
            return None
        row = (
            UserModel.objects.alias(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .first()
        )
        if row is None:
            return None
        return Credentials(user=row.to_domain(), password_hash=row.password)

    def add(self, *, email: str, name: str, role: Role, password_hash: str) -> User:
        now = utc_now()
        try:
            with transaction.atomic():
                row = UserModel.objects.create(
                    email=email,
                    name=name,
                    role=role.value,
                    password=password_hash,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise Conflict(EMAIL_TAKEN) from None
        return row.to_domain()

    def update(self, user_id: int, changes: Mapping[str, Any]) -> User | None:
        values = {COLUMNS[field]: value for field, value in changes.items()}
        if "role" in values:
            values["role"] = Role(values["role"]).value
        try:
            with transaction.atomic():
                updated = UserModel.objects.filter(pk=user_id).update(
                    **values, updated_at=utc_now()
                )
        except IntegrityError:
            raise Conflict(EMAIL_TAKEN) from None
        return self.get(user_id) if updated else None

    def delete(self, user_id: int) -> bool:
        # The refresh tokens go with the user (ForeignKey on_delete=CASCADE).
        with transaction.atomic():
            _, by_model = UserModel.objects.filter(pk=user_id).delete()
        return by_model.get(UserModel._meta.label, 0) > 0

    def list(self, query: ListQuery) -> Page[User]:
        rows = UserModel.objects.all()
        if query.search:
            if NUL in query.search:
                return Page(items=[], page=query.page, limit=query.limit, total=0)
            # Django escapes % and _ in `contains` lookups, so they match only themselves.
            rows = rows.filter(Q(name__icontains=query.search) | Q(email__icontains=query.search))
        total = rows.count()
        items: list[User] = []
        if query.offset < total:
            page = rows.order_by("-created_at", "-id")[query.offset : query.offset + query.limit]
            items = [row.to_domain() for row in page]
        return Page(items=items, page=query.page, limit=query.limit, total=total)
