# Generated from _variants/fastapi/app/repositories/refresh_tokens.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""Refresh tokens in the database: stored by hash, spent once, revoked by family. Every
write holds the user's row first (`hold_user`, as the port asks) and commits what it does
as one transaction."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.domain import RefreshToken, as_utc, utc_now
from app.models import RefreshTokenRow
from app.repositories.users import hold_user


class SqlRefreshTokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: RefreshToken, password_hash: str) -> bool:
        if hold_user(self._session, token.user_id) != password_hash:
            self._session.rollback()
            return False
        self._session.add(_row(token))
        self._session.commit()
        return True

    def get(self, token_hash: str) -> RefreshToken | None:
        row = self._session.scalar(
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

    def rotate(self, token_hash: str, successor: RefreshToken, now: datetime) -> bool:
        if hold_user(self._session, successor.user_id) is None:
            self._session.rollback()
            return False
        # Conditional, so two requests spending one token cannot both succeed.
        spent = self._session.execute(
            update(RefreshTokenRow)
            .where(
                RefreshTokenRow.token_hash == token_hash,
                RefreshTokenRow.used_at.is_(None),
                RefreshTokenRow.revoked_at.is_(None),
            )
            .values(used_at=now)
        )
        if not getattr(spent, "rowcount", 0):
            self._session.rollback()
            return False
        self._session.add(_row(successor))
        self._session.commit()
        return True

    def revoke_family(self, user_id: int, family_id: str, now: datetime) -> None:
        hold_user(self._session, user_id)
        self._session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        self._session.commit()


def _row(token: RefreshToken) -> RefreshTokenRow:
    return RefreshTokenRow(
        token_hash=token.token_hash,
        user_id=token.user_id,
        family_id=token.family_id,
        expires_at=token.expires_at,
        used_at=token.used_at,
        revoked_at=token.revoked_at,
        created_at=utc_now(),
    )
