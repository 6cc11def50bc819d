"""The Hasher port over the shared Argon2id hasher (app/core/security.py). Hashing and
verifying take tens of milliseconds of CPU each, so they run in a worker thread and the
event loop goes on serving other requests meanwhile; argon2-cffi releases the GIL."""

import asyncio

from app.core.security import PasswordHasher


class ThreadedHasher:
    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._hasher.verify, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        await asyncio.to_thread(self._hasher.verify_dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.needs_rehash(password_hash)
