"""Authentication: login, refresh-token rotation with reuse detection, logout."""

import asyncio
from datetime import timedelta

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

    async def login(self, email: str, password: str) -> TokenPair:
        credentials = await self._users.get_credentials(email)
        if credentials is None:
            await asyncio.to_thread(self._hasher.verify_dummy, password)
            raise Unauthorized(INVALID_CREDENTIALS)
        verified = await asyncio.to_thread(self._hasher.verify, credentials.password_hash, password)
        if not verified:
            raise Unauthorized(INVALID_CREDENTIALS)
        user = credentials.user
        if self._hasher.needs_rehash(credentials.password_hash):
            password_hash = await asyncio.to_thread(self._hasher.hash, password)
            await self._users.update(user.id, {"password_hash": password_hash})
        return await self._issue(user, new_family_id())

    async def refresh(self, refresh_token: str) -> TokenPair:
        stored = await self._usable_token(refresh_token)
        now = self._clock()
        if stored.used_at is not None or not await self._refresh_tokens.mark_used(
            stored.token_hash, now
        ):
            # A spent token presented again: whoever holds the family is suspect.
            await self._refresh_tokens.revoke_family(stored.family_id, now)
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        user = await self._users.get(stored.user_id)
        if user is None:
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        return await self._issue(user, stored.family_id)

    async def logout(self, refresh_token: str) -> None:
        stored = await self._usable_token(refresh_token)
        await self._refresh_tokens.revoke_family(stored.family_id, self._clock())

    async def authenticate(self, access_token: str) -> Principal:
        """The principal of a valid access token whose user still exists, with its current role."""
        claims = self._codec.decode_access(access_token)
        user = await self._user_service.find(claims.user_id)
        if user is None:
            raise Unauthorized(INVALID_TOKEN)
        return Principal(user_id=user.id, role=user.role)

    async def _usable_token(self, refresh_token: str) -> RefreshToken:
        """A known, unrevoked, unexpired token (possibly spent: the caller decides)."""
        stored = await self._refresh_tokens.get(hash_refresh_token(refresh_token))
        if stored is None or stored.revoked_at is not None or stored.expires_at <= self._clock():
            raise Unauthorized(INVALID_REFRESH_TOKEN)
        return stored

    async def _issue(self, user: User, family_id: str) -> TokenPair:
        now = self._clock()
        refresh_token = new_refresh_token()
        await self._refresh_tokens.add(
            RefreshToken(
                token_hash=hash_refresh_token(refresh_token),
                user_id=user.id,
                family_id=family_id,
                expires_at=now + self._refresh_ttl,
                used_at=None,
                revoked_at=None,
            )
        )
        return TokenPair(
            access_token=self._codec.issue_access(user.id, user.role, now),
            refresh_token=refresh_token,
            expires_in=self._codec.access_ttl_seconds,
        )
