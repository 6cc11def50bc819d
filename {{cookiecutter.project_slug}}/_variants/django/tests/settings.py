"""Test settings: the project's own, pointed at TEST_DATABASE_URL and TEST_REDIS_URL when
they are set (SQLite in memory and an in-process cache otherwise)."""

import os

os.environ["ENVIRONMENT"] = "test"
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or "sqlite:///./test.db"
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "")
os.environ.setdefault("JWT_SECRET", "test-secret-that-is-long-enough-for-hs256-0123456789")
# Argon2id still, with its cheapest parameters: the defaults cost a second per test.
os.environ["PASSWORD_HASH_PROFILE"] = "cheapest"

from app.config.settings import *  # noqa: F403
