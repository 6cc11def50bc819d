# Generated from _variants/fastapi/app/adapters/cache/redis.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""A cache in Redis, shared by every process and replica, and the rate-limit counters on
the same client. Reads fail open: when Redis cannot be reached a read is a miss, a fill is
dropped, and a warning is logged. A write that cannot begin (app/core/cache_coherence.py)
is refused."""

from collections.abc import Sequence
from typing import Self

import structlog
from redis import Redis
from redis.exceptions import RedisError

from app.adapters.cache.counters import CountersUnavailable
from app.core.cache_coherence import (
    BEGIN,
    CACHE_UNAVAILABLE,
    END,
    FILL_SCRIPT,
    UNREACHABLE_VERSION,
    WRITE_SCRIPT,
    Lookup,
    Scope,
    write_script_arguments,
)
from app.core.errors import Unavailable
from app.core.logging import LogEvent
from app.core.rate_limits import REDIS_INCREMENT_SCRIPT, REDIS_KEY_PREFIX

logger = structlog.get_logger(__name__)

# A Redis that answers takes a millisecond; one that is down or cut off must hold a
# request up only a little, for each of its few calls.
TIMEOUT_SECONDS = 0.5
# The client's own errors, and the socket's that reach past it.
UNREACHABLE = (RedisError, OSError)


def text(value: bytes | str | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class RedisCache:
    def __init__(self, client: Redis) -> None:
        self._redis = client
        self._fill = client.register_script(FILL_SCRIPT)
        self._write = client.register_script(WRITE_SCRIPT)

    @classmethod
    def from_url(cls, url: str) -> Self:
        client = Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        return cls(client)

    def lookup(self, key: str, scope: Scope) -> Lookup:
        try:
            value, version = self._redis.mget(key, scope.version_key)
        except UNREACHABLE as exc:
            self._warn("lookup", exc)
            return Lookup(None, UNREACHABLE_VERSION)
        return Lookup(text(value), text(version) or "")

    def version(self, scope: Scope) -> str:
        try:
            return text(self._redis.get(scope.version_key)) or ""
        except UNREACHABLE as exc:
            self._warn("version", exc)
            return UNREACHABLE_VERSION

    def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        if noted == UNREACHABLE_VERSION:
            return
        try:
            self._fill(
                keys=[key, scope.version_key, scope.writes_key], args=[value, ttl_seconds, noted]
            )
        except UNREACHABLE as exc:
            self._warn("fill", exc)

    def begin_write(self, scopes: Sequence[Scope]) -> None:
        keys, args = write_script_arguments(scopes, BEGIN)
        try:
            self._write(keys=keys, args=args)
        except UNREACHABLE as exc:
            self._warn("begin_write", exc)
            raise Unavailable(CACHE_UNAVAILABLE) from exc

    def end_write(self, scopes: Sequence[Scope]) -> None:
        keys, args = write_script_arguments(scopes, END)
        try:
            self._write(keys=keys, args=args)
        except UNREACHABLE as exc:
            self._warn("end_write", exc)

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except UNREACHABLE as exc:
            self._warn("ping", exc)
            return False

    def rate_limit_counters(self) -> "RedisCounters":
        # One client for cache and counters; closing the cache closes both.
        return RedisCounters(self._redis)

    def close(self) -> None:
        self._redis.close()

    @staticmethod
    def _warn(operation: str, exc: Exception) -> None:
        logger.warning(LogEvent.CACHE_UNAVAILABLE, operation=operation, error=type(exc).__name__)


class RedisCounters:
    """All of a request's counters in one script call: one round trip."""

    def __init__(self, client: Redis) -> None:
        self._increment = client.register_script(REDIS_INCREMENT_SCRIPT)

    def increment(self, keys: list[str], expiry_seconds: int) -> list[int]:
        try:
            counts = self._increment(
                keys=[REDIS_KEY_PREFIX + key for key in keys], args=[expiry_seconds]
            )
        except UNREACHABLE as exc:
            raise CountersUnavailable(type(exc).__name__) from exc
        return [int(count) for count in counts]
