"""Refresh tokens: only a hash of each is stored, grouped in families for reuse detection."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from app.core import domain


class RefreshToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="refresh_tokens"
    )
    family_id = models.CharField(max_length=32, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    revoked_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "refresh_tokens"

    def __str__(self) -> str:
        return f"refresh token of user {self.user_id} in family {self.family_id}"

    def to_domain(self) -> domain.RefreshToken:
        return domain.RefreshToken(
            token_hash=self.token_hash,
            user_id=self.user_id,
            family_id=self.family_id,
            expires_at=domain.as_utc(self.expires_at),
            used_at=domain.as_utc(self.used_at) if self.used_at else None,
            revoked_at=domain.as_utc(self.revoked_at) if self.revoked_at else None,
        )
