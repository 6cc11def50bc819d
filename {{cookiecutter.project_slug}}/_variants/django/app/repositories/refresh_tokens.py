"""Refresh tokens in the database: stored by hash, spent once, revoked by family. Every
write holds the user's row first (`hold_user`, as the port asks) and commits what it does
as one transaction."""

from datetime import datetime

from django.db import transaction

from app.authn.models import RefreshToken as RefreshTokenModel
from app.core.domain import RefreshToken, utc_now
from app.repositories.users import hold_user


class DjangoRefreshTokenRepository:
    def add(self, token: RefreshToken, password_hash: str) -> bool:
        with transaction.atomic():
            user = hold_user(token.user_id)
            if user is None or user.password != password_hash:
                return False
            _create(token)
        return True

    def get(self, token_hash: str) -> RefreshToken | None:
        row = RefreshTokenModel.objects.filter(token_hash=token_hash).first()
        return row.to_domain() if row else None

    def rotate(self, token_hash: str, successor: RefreshToken, now: datetime) -> bool:
        with transaction.atomic():
            if hold_user(successor.user_id) is None:
                return False
            # Conditional, so two requests spending one token cannot both succeed.
            spent = RefreshTokenModel.objects.filter(
                token_hash=token_hash, used_at__isnull=True, revoked_at__isnull=True
            ).update(used_at=now)
            if spent != 1:
                return False
            _create(successor)
        return True

    def revoke_family(self, user_id: int, family_id: str, now: datetime) -> None:
        with transaction.atomic():
            hold_user(user_id)
            RefreshTokenModel.objects.filter(family_id=family_id, revoked_at__isnull=True).update(
                revoked_at=now
            )


def _create(token: RefreshToken) -> None:
    RefreshTokenModel.objects.create(
        token_hash=token.token_hash,
        user_id=token.user_id,
        family_id=token.family_id,
        expires_at=token.expires_at,
        used_at=token.used_at,
        revoked_at=token.revoked_at,
        created_at=utc_now(),
    )
