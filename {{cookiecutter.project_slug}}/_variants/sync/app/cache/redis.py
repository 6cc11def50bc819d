"""The Redis cache, shared by every process and replica. Reads fail open: when Redis is
unreachable a read is a miss, a fill is dropped, and a warning is logged. A write that
cannot begin (app/core/cache_coherence.py) is refused."""

from collections.abc import Sequence

import redis
import structlog

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

logger = structlog.get_logger(__name__)

# Short timeouts: a Redis that is down must not hold requests up for long.
SOCKET_TIMEOUT_SECONDS = 0.5


class RedisCache:
    def __init__(self, url: str) -> None:
        self._client: redis.Redis = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        )
        self._fill = self._client.register_script(FILL_SCRIPT)
        self._write = self._client.register_script(WRITE_SCRIPT)

    def lookup(self, key: str, scope: Scope) -> Lookup:
        try:
            found = self._client.mget(key, scope.version_key)
        except redis.RedisError as exc:
            self._warn("lookup", exc)
            return Lookup(None, UNREACHABLE_VERSION)
        value, version = (item if isinstance(item, str) else None for item in found)
        return Lookup(value, version or "")

    def version(self, scope: Scope) -> str:
        try:
            version = self._client.get(scope.version_key)
        except redis.RedisError as exc:
            self._warn("version", exc)
            return UNREACHABLE_VERSION
        return version if isinstance(version, str) else ""

    def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        if noted == UNREACHABLE_VERSION:
            return
        try:
            self._fill(
                keys=[key, scope.version_key, scope.writes_key], args=[value, ttl_seconds, noted]
            )
        except redis.RedisError as exc:
            self._warn("fill", exc)

    def begin_write(self, scopes: Sequence[Scope]) -> None:
        keys, args = write_script_arguments(scopes, BEGIN)
        try:
            self._write(keys=keys, args=args)
        except redis.RedisError as exc:
            self._warn("begin_write", exc)
            raise Unavailable(CACHE_UNAVAILABLE) from exc

    def end_write(self, scopes: Sequence[Scope]) -> None:
        keys, args = write_script_arguments(scopes, END)
        try:
            self._write(keys=keys, args=args)
        except redis.RedisError as exc:
            self._warn("end_write", exc)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError as exc:
            self._warn("ping", exc)
            return False

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def _warn(operation: str, exc: redis.RedisError) -> None:
        logger.warning("cache_unavailable", operation=operation, error=type(exc).__name__)
