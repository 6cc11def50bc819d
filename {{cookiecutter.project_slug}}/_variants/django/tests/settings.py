"""Test settings: the project's own, pointed at TEST_DATABASE_URL and TEST_REDIS_URL when
they are set (SQLite in memory and an in-process cache otherwise)."""

import os

os.environ["ENVIRONMENT"] = "test"
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or "sqlite:///./test.db"
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "")
os.environ.setdefault("JWT_SECRET", "test-secret-that-is-long-enough-for-hs256-0123456789")

from app.config.settings import *  # noqa: F403

# Django's fastest hasher keeps the suite quick; tests/test_hashing.py checks Argon2 itself.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
