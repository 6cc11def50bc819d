"""Passwords (Argon2id), access tokens (JWT) and opaque refresh tokens."""

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import Parameters
from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_HIGH_MEMORY, RFC_9106_LOW_MEMORY

from app.core.domain import Principal, Role
from app.core.errors import INVALID_TOKEN, Unauthorized

ACCESS_TOKEN_TYPE = "access"
REFRESH_TOKEN_BYTES = 32  # 256 bits
TOKENS_REMEMBERED = 4096

# PASSWORD_HASH_PROFILE's values; each is Argon2id.
ARGON2_PROFILES: dict[str, Parameters] = {
    "rfc_9106_low_memory": RFC_9106_LOW_MEMORY,
    "rfc_9106_high_memory": RFC_9106_HIGH_MEMORY,
    "cheapest": CHEAPEST,
}


class PasswordHasher:
    """Argon2id with the parameters of one of argon2-cffi's profiles; a hash made with
    other parameters needs a rehash, so changing the profile upgrades hashes at login."""

    def __init__(self, profile: str) -> None:
        self._argon2 = Argon2Hasher.from_parameters(ARGON2_PROFILES[profile])
        # Verified against when an e-mail is unknown, so a failed login costs the
        # same whether the account exists or not.
        self._dummy_hash = self._argon2.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)


@dataclass(frozen=True, slots=True)
class TokenCodec:
    """Issues and checks HS256 access tokens; anything else is a 401."""

    secret: str
    issuer: str
    access_ttl_seconds: int
    algorithm: str = "HS256"

    def issue_access(self, user_id: int, role: Role, now: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "type": ACCESS_TOKEN_TYPE,
            "iat": now,
            "exp": now + timedelta(seconds=self.access_ttl_seconds),
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
        }
        return jwt.encode(claims, self.secret, algorithm=self.algorithm)

    def decode_access(self, token: str) -> Principal:
        principal, expires_at = _accepted_access(token, self.secret, self.issuer, self.algorithm)
        if time.time() >= expires_at:
            raise Unauthorized(INVALID_TOKEN)
        return principal

    def signed_subject(self, token: str) -> str | None:
        """The `sub` of a token whose signature verifies, expired or not: enough to count
        a request against its user's rate limit without touching the database."""
        return _signed_subject(token, self.secret, self.algorithm)


# A client sends the same access token with every request for its lifetime, and decoding
# one costs more than the rest of a cached read. So each is checked once per process:
# once accepted, only its expiry can change that; a refusal is never remembered.
@lru_cache(maxsize=TOKENS_REMEMBERED)
def _accepted_access(
    token: str, secret: str, issuer: str, algorithm: str
) -> tuple[Principal, float]:
    """The principal of an access token valid now, and when it expires; else a 401."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            issuer=issuer,
            options={"require": ["sub", "role", "type", "iat", "exp", "jti", "iss"]},
        )
    except jwt.PyJWTError:
        raise Unauthorized(INVALID_TOKEN) from None
    subject = claims["sub"]
    if (
        claims["type"] != ACCESS_TOKEN_TYPE
        or not isinstance(subject, str)
        or not subject.isdigit()
        or claims["role"] not in {role.value for role in Role}
    ):
        raise Unauthorized(INVALID_TOKEN)
    return Principal(user_id=int(subject), role=Role(claims["role"])), float(claims["exp"])


@lru_cache(maxsize=TOKENS_REMEMBERED)
def _signed_subject(token: str, secret: str, algorithm: str) -> str | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def hash_refresh_token(token: str) -> str:
    """SHA-256 suffices: the token is 256 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_family_id() -> str:
    return uuid.uuid4().hex
