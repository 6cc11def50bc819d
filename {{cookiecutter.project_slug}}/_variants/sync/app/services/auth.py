# Generated from _variants/fastapi/app/services/auth.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""Authentication: login, refresh-token rotation with reuse detection, logout."""

from datetime import datetime, timedelta

from app.core.domain import Principal, RefreshToken, TokenPair, User
from app.core.errors import INVALID_CREDENTIALS, INVALID_REFRESH_TOKEN, INVALID_TOKEN, Unauthorized
from app.core.security import TokenCodec, hash_refresh_token, new_family_id, new_refresh_token
from app.services.ports import Clock, Hasher, RefreshTokenRepository, UserRepository
from app.services.users import UserService


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        user_service: UserService,
        refresh_tokens: RefreshTokenRepository,
        hasher: Hasher,
        codec: TokenCodec,
        refresh_ttl_seconds: int,
        clock: Clock,
    ) -> None:
        self._users = users
        self._user_service = user_service
        self._refresh_tokens = refresh_tokens
        self._hasher = hasher
        self._codec = codec
        self._refresh_ttl = timedelta(seconds=refresh_ttl_seconds)
        self._clock = clock

    def login(self, email: str, password: str) -> TokenPair:
        credentials = self._users.get_credentials(email)
        if credentials is None:
            self._hasher.verify_dummy(password)
            raise Unauthorized(INVALID_CREDENTIALS)
        verified = self._hasher.verify(credentials.password_hash, password)
        if not verified:
            raise Unauthorized(INVALID_CREDENTIALS)
        user, verified_hash = credentials.user, credentials.password_hash
        if self._hasher.needs_rehash(verified_hash):
            new_hash = self._hasher.hash(password)
            if not self._users.upgrade_password_hash(user.id, verified_hash, new_hash):
                raise Unauthorized(INVALID_CREDENTIALS)
            verified_hash = new_hash
        now = self._clock()
        refresh_token, stored = self._new_refresh_token(user.id, new_family_id(), now)
        # Refused when the password changed (or the user went) since it was verified: a
        # family born of the old password would outlive the change that revoked the rest.
        if not self._refresh_tokens.add(stored, verified_hash):
            raise Unauthorized(INVALID_CREDENTIALS)
        return self._pair(user, refresh_token, now)

    def refresh(self, refresh_token: str) -> TokenPair:
        stored = self._usable_token(refresh_token)
        user = self._users.get(stored.user_id)
        if user is None:
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        now = self._clock()
        successor_token, successor = self._new_refresh_token(user.id, stored.family_id, now)
        if stored.used_at is not None or not self._refresh_tokens.rotate(
            stored.token_hash, successor, now
        ):
            # A spent token presented again, whether spent long ago or by a request still
            # in flight: whoever holds the family is suspect.
            self._refresh_tokens.revoke_family(stored.user_id, stored.family_id, now)
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        return self._pair(user, successor_token, now)

    def logout(self, refresh_token: str) -> None:
        stored = self._usable_token(refresh_token)
        self._refresh_tokens.revoke_family(stored.user_id, stored.family_id, self._clock())

    def authenticate(self, access_token: str) -> Principal:
        """The principal of a valid access token whose user still exists, with its current role."""
        claims = self._codec.decode_access(access_token)
        user = self._user_service.find(claims.user_id)
        if user is None:
            raise Unauthorized(INVALID_TOKEN)
        return Principal(user_id=user.id, role=user.role)

    def _usable_token(self, refresh_token: str) -> RefreshToken:
        """A known, unrevoked, unexpired token (possibly spent: the caller decides)."""
        stored = self._refresh_tokens.get(hash_refresh_token(refresh_token))
        if stored is None or stored.revoked_at is not None or stored.expires_at <= self._clock():
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        return stored

    def _new_refresh_token(
        self, user_id: int, family_id: str, now: datetime
    ) -> tuple[str, RefreshToken]:
        """A new refresh token, and what is stored of it."""
        refresh_token = new_refresh_token()
        return refresh_token, RefreshToken(
            token_hash=hash_refresh_token(refresh_token),
            user_id=user_id,
            family_id=family_id,
            expires_at=now + self._refresh_ttl,
            used_at=None,
            revoked_at=None,
        )

    def _pair(self, user: User, refresh_token: str, now: datetime) -> TokenPair:
        return TokenPair(
            access_token=self._codec.issue_access(user.id, user.role, now),
            refresh_token=refresh_token,
            expires_in=self._codec.access_ttl_seconds,
        )
