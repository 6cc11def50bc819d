"""Users in the database, as the domain's plain types."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.domain import Credentials, Page, Role, User, utc_now
from app.core.errors import Conflict
from app.core.listing import LIKE_ESCAPE, ListQuery, like_pattern
from app.models import RefreshTokenRow, UserRow

EMAIL_TAKEN = "E-mail address is already registered"
# PostgreSQL text cannot hold NUL, so no stored value contains one.
NUL = "\x00"


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return row.to_domain() if row else None

    async def get_credentials(self, email: str) -> Credentials | None:
        if NUL in email:
            return None
        row = await self._session.scalar(
            select(UserRow).where(func.lower(UserRow.email) == email.lower())
        )
        if row is None:
            return None
        return Credentials(user=row.to_domain(), password_hash=row.password_hash)

    async def add(self, *, email: str, name: str, role: Role, password_hash: str) -> User:
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
        await self._commit()
        return row.to_domain()

    async def update(self, user_id: int, changes: Mapping[str, Any]) -> User | None:
        row = await self._session.get(UserRow, user_id)
        if row is None:
            return None
        for field, value in changes.items():
            setattr(row, field, value.value if isinstance(value, Role) else value)
        row.updated_at = utc_now()
        await self._commit()
        return row.to_domain()

    async def delete(self, user_id: int) -> bool:
        await self._session.execute(
            delete(RefreshTokenRow).where(RefreshTokenRow.user_id == user_id)
        )
        result = await self._session.execute(delete(UserRow).where(UserRow.id == user_id))
        await self._session.commit()
        return bool(getattr(result, "rowcount", 0))

    async def list(self, query: ListQuery) -> Page[User]:
        condition = None
        if query.search:
            if NUL in query.search:
                return Page(items=[], page=query.page, limit=query.limit, total=0)
            pattern = like_pattern(query.search)
            condition = or_(
                func.lower(UserRow.name).like(pattern, escape=LIKE_ESCAPE),
                func.lower(UserRow.email).like(pattern, escape=LIKE_ESCAPE),
            )
        count = select(func.count()).select_from(UserRow)
        rows = select(UserRow).order_by(UserRow.created_at.desc(), UserRow.id.desc())
        if condition is not None:
            count = count.where(condition)
            rows = rows.where(condition)
        total = await self._session.scalar(count) or 0
        items: list[User] = []
        # A page past the end is empty; skipping the query also keeps a huge page number
        # from overflowing the database's OFFSET.
        if query.offset < total:
            result = await self._session.scalars(rows.offset(query.offset).limit(query.limit))
            items = [row.to_domain() for row in result]
        return Page(items=items, page=query.page, limit=query.limit, total=total)

    async def _commit(self) -> None:
        try:
            await self._session.commit()
        except IntegrityError:
            await self._session.rollback()
            raise Conflict(EMAIL_TAKEN) from None
