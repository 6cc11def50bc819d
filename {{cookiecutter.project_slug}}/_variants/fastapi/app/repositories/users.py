"""Users in the database, as the domain's plain types."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.domain import Credentials, Page, Role, User, utc_now
from app.core.errors import EMAIL_TAKEN, Conflict
from app.core.listing import LIKE_ESCAPE, ListQuery, like_pattern
from app.core.validation import NUL
from app.models import RefreshTokenRow, UserRow


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
        # One UPDATE ... RETURNING: a user deleted meanwhile is simply not found, and the
        # answer is the row as this write left it.
        values = {
            field: value.value if isinstance(value, Role) else value
            for field, value in changes.items()
        }
        now = utc_now()
        statement = (
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(**values, updated_at=now)
            .returning(UserRow)
            .execution_options(populate_existing=True)
        )
        try:
            row = await self._session.scalar(statement)
            if row is not None and "password_hash" in changes:
                # The UPDATE above holds the user's row, so this later statement sees every
                # token committed before it (see SqlRefreshTokenRepository).
                await self._session.execute(
                    update(RefreshTokenRow)
                    .where(RefreshTokenRow.user_id == user_id, RefreshTokenRow.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            await self._session.commit()
        except IntegrityError:
            await self._session.rollback()
            raise Conflict(EMAIL_TAKEN) from None
        return row.to_domain() if row else None

    async def upgrade_password_hash(self, user_id: int, verified_hash: str, new_hash: str) -> bool:
        result = await self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.password_hash == verified_hash)
            .values(password_hash=new_hash)
        )
        await self._session.commit()
        return bool(getattr(result, "rowcount", 0))

    async def delete(self, user_id: int) -> bool:
        # The refresh tokens go with the row (ON DELETE CASCADE), after it, in the order
        # every writer of tokens takes: the user's row first.
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


async def hold_user(session: AsyncSession, user_id: int) -> str | None:
    """Holds the user's row until the session's transaction ends and returns its password
    hash; None when the user is gone. Every write of a user's refresh tokens holds it
    first, so they happen one after another, each seeing what the others committed."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: its one write lock, taken by a write, does the same.
        holding: Any = (
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(id=UserRow.id)
            .returning(UserRow.password_hash)
            .execution_options(synchronize_session=False)
        )
    else:
        holding = select(UserRow.password_hash).where(UserRow.id == user_id).with_for_update()
    password_hash: str | None = await session.scalar(holding)
    return password_hash
