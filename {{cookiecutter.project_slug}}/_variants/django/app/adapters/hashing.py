"""The Hasher port over Django's password hashers (Argon2id first in PASSWORD_HASHERS)."""

import dataclasses
import secrets

import argon2
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)

from app.core.security import ARGON2_PROFILES
from app.core.settings import get_settings


class ProfiledArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with PASSWORD_HASH_PROFILE's parameters, which the other
    frameworks use too. Hashes of other parameters need updating, so they are at login."""

    def params(self) -> argon2.Parameters:
        # A copy: Django sets salt_len on what this returns.
        return dataclasses.replace(ARGON2_PROFILES[get_settings().password_hash_profile])


class DjangoHasher:
    def __init__(self) -> None:
        # Verified against when an e-mail is unknown, so a failed login costs the
        # same whether the account exists or not.
        self._dummy_hash = make_password(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return make_password(password)

    def verify(self, password_hash: str, password: str) -> bool:
        return check_password(password, password_hash)

    def verify_dummy(self, password: str) -> None:
        check_password(password, self._dummy_hash)

    def needs_rehash(self, password_hash: str) -> bool:
        """True for a hash of another algorithm or of weaker parameters than the preferred one."""
        try:
            hasher = identify_hasher(password_hash)
        except ValueError:
            return True
        preferred = get_hasher("default")
        return hasher.algorithm != preferred.algorithm or hasher.must_update(password_hash)
