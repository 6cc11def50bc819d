"""Users in SQL. E-mails are unique case-insensitively (a unique index on lower(email))."""

import builtins
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.domain import Credentials, Page, Role, User, utc_now
from app.core.errors import Conflict
from app.core.listing import LIKE_ESCAPE, ListQuery, like_pattern
from app.models import RefreshTokenRow, UserRow

EMAIL_TAKEN = "E-mail is already registered"
# PostgreSQL text cannot hold NUL, so no stored value contains one.
NUL = "\x00"


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: int) -> User | None:
        row = self._session.get(UserRow, user_id)
        return row.to_domain() if row else None

    def get_credentials(self, email: str) -> Credentials | None:
        if NUL in email:
            return None
        row = self._session.scalar(
            select(UserRow).where(func.lower(UserRow.email) == email.lower())
        )
        return Credentials(user=row.to_domain(), password_hash=row.password_hash) if row else None

    def add(self, *, email: str, name: str, role: Role, password_hash: str) -> User:
        now = utc_now()
        row = UserRow(
            email=email,
            name=name,
            role=role.value,
            password_hash=password_hash,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._commit()
        return row.to_domain()

    def update(self, user_id: int, changes: Mapping[str, Any]) -> User | None:
        row = self._session.get(UserRow, user_id)
        if row is None:
            return None
        for field, value in changes.items():
            setattr(row, field, value.value if isinstance(value, Role) else value)
        row.updated_at = utc_now()
        self._commit()
        return row.to_domain()

    def delete(self, user_id: int) -> bool:
        self._session.execute(delete(RefreshTokenRow).where(RefreshTokenRow.user_id == user_id))
        deleted = self._session.execute(delete(UserRow).where(UserRow.id == user_id))
        self._session.commit()
        return bool(getattr(deleted, "rowcount", 0))

    def list(self, query: ListQuery) -> Page[User]:
        statement = select(UserRow)
        if query.search:
            if NUL in query.search:
                return Page(items=[], page=query.page, limit=query.limit, total=0)
            pattern = like_pattern(query.search)
            statement = statement.where(
                or_(
                    func.lower(UserRow.name).like(pattern, escape=LIKE_ESCAPE),
                    func.lower(UserRow.email).like(pattern, escape=LIKE_ESCAPE),
                )
            )
        total = self._session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self._session.scalars(
            statement.order_by(UserRow.created_at.desc(), UserRow.id.desc())
            .offset(query.offset)
            .limit(query.limit)
        )
        items: builtins.list[User] = [row.to_domain() for row in rows]
        return Page(items=items, page=query.page, limit=query.limit, total=total)

    def _commit(self) -> None:
        try:
            self._session.commit()
        except IntegrityError:
            self._session.rollback()
            raise Conflict(EMAIL_TAKEN) from None
