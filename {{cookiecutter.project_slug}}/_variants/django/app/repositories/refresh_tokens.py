"""Refresh tokens in the database; spending and revoking are single conditional UPDATEs,
so two requests racing with the same token cannot both spend it."""

from datetime import datetime

from app.authn.models import RefreshToken as RefreshTokenModel
from app.core.domain import RefreshToken, utc_now


class DjangoRefreshTokenRepository:
    def add(self, token: RefreshToken) -> None:
        RefreshTokenModel.objects.create(
            token_hash=token.token_hash,
            user_id=token.user_id,
            family_id=token.family_id,
            expires_at=token.expires_at,
            used_at=token.used_at,
            revoked_at=token.revoked_at,
            created_at=utc_now(),
        )

    def get(self, token_hash: str) -> RefreshToken | None:
        row = RefreshTokenModel.objects.filter(token_hash=token_hash).first()
        return row.to_domain() if row else None

    def mark_used(self, token_hash: str, now: datetime) -> bool:
        spent = RefreshTokenModel.objects.filter(
            token_hash=token_hash, used_at__isnull=True, revoked_at__isnull=True
        ).update(used_at=now)
        return spent == 1

    def revoke_family(self, family_id: str, now: datetime) -> None:
        RefreshTokenModel.objects.filter(family_id=family_id, revoked_at__isnull=True).update(
            revoked_at=now
        )
