"""The Cache port over Django's cache framework (Redis through django-redis, or memory).

It fails open: when the backend cannot be reached a read is a miss and a write is
dropped, with a warning, so requests still succeed from the database.
"""

from collections.abc import Callable
from typing import TypeVar

import structlog
from django.core.cache import BaseCache, caches

T = TypeVar("T")

logger = structlog.get_logger(__name__)


class DjangoCache:
    def __init__(self, alias: str = "default") -> None:
        self._alias = alias

    @property
    def _backend(self) -> BaseCache:
        # Django hands each thread its own cache client.
        return caches[self._alias]

    def get(self, key: str) -> str | None:
        value = self._fail_open("get", lambda: self._backend.get(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        self._fail_open("set", lambda: self._backend.set(key, value, ttl_seconds))

    def delete(self, key: str) -> None:
        self._fail_open("delete", lambda: self._backend.delete(key))

    def incr(self, key: str) -> None:
        def increment() -> None:
            # A counter that never expires: list pages hang off its value.
            self._backend.add(key, 0, timeout=None)
            self._backend.incr(key)

        self._fail_open("incr", increment)

    @staticmethod
    def _fail_open(operation: str, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except Exception as exc:
            logger.warning("cache_unavailable", operation=operation, error=type(exc).__name__)
            return None
