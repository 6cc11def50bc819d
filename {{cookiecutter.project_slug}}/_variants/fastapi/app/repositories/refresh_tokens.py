"""Refresh tokens in the database: stored by hash, spent once, revoked by family."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.domain import RefreshToken, as_utc, utc_now
from app.models import RefreshTokenRow


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        self._session.add(
            RefreshTokenRow(
                token_hash=token.token_hash,
                user_id=token.user_id,
                family_id=token.family_id,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
                created_at=utc_now(),
            )
        )
        await self._session.commit()

    async def get(self, token_hash: str) -> RefreshToken | None:
        row = await self._session.scalar(
            select(RefreshTokenRow).where(RefreshTokenRow.token_hash == token_hash)
        )
        if row is None:
            return None
        return RefreshToken(
            token_hash=row.token_hash,
            user_id=row.user_id,
            family_id=row.family_id,
            expires_at=as_utc(row.expires_at),
            used_at=as_utc(row.used_at) if row.used_at else None,
            revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
        )

    async def mark_used(self, token_hash: str, now: datetime) -> bool:
        # One conditional UPDATE, so two concurrent refreshes cannot both spend the token.
        result = await self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.token_hash == token_hash,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(used_at=now)
        )
        await self._session.commit()
        return bool(getattr(result, "rowcount", 0))

    async def revoke_family(self, family_id: str, now: datetime) -> None:
        await self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._session.commit()
