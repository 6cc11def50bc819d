"""Users in the database, handed out as `app.core.domain.User` values."""

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from app.authn.models import RefreshToken as RefreshTokenModel
from app.core.domain import Credentials, Page, Role, User, utc_now
from app.core.errors import EMAIL_TAKEN, Conflict
from app.core.listing import ListQuery
from app.core.validation import NUL
from app.users.models import User as UserModel

# Port field -> model field: the model keeps Django's name for the hash.
COLUMNS = {"email": "email", "name": "name", "role": "role", "password_hash": "password"}


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
                # Held until the write commits: a user deleted meanwhile is simply not
                # found, and the answer is the row as this write left it.
                row = hold_user(user_id)
                if row is None:
                    return None
                for column, value in values.items():
                    setattr(row, column, value)
                row.updated_at = utc_now()
                row.save(update_fields=[*values, "updated_at"])
                if "password" in values:
                    # A later statement than the hold, so it sees every token committed
                    # before it (see app.repositories.refresh_tokens).
                    RefreshTokenModel.objects.filter(
                        user_id=user_id, revoked_at__isnull=True
                    ).update(revoked_at=row.updated_at)
        except IntegrityError:
            raise Conflict(EMAIL_TAKEN) from None
        return row.to_domain()

    def upgrade_password_hash(self, user_id: int, verified_hash: str, new_hash: str) -> bool:
        upgraded = UserModel.objects.filter(pk=user_id, password=verified_hash).update(
            password=new_hash
        )
        return upgraded == 1

    def delete(self, user_id: int) -> bool:
        # The refresh tokens go with the user (ForeignKey on_delete=CASCADE), after its row
        # is held: every writer of a user's tokens holds the user's row first.
        with transaction.atomic():
            if hold_user(user_id) is None:
                return False
            UserModel.objects.filter(pk=user_id).delete()
        return True

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


def hold_user(user_id: int) -> UserModel | None:
    """The user's row, held until the surrounding transaction ends (SELECT ... FOR UPDATE;
    SQLite's transactions take its one write lock as they begin); None when the user is
    gone. Every write of a user's refresh tokens holds it first, so they happen one after
    another, each seeing what the others committed."""
    return UserModel.objects.select_for_update().filter(pk=user_id).first()
