"""The Redis cache, shared by every process and replica. It fails open: when Redis is
unreachable a read is a miss, a write is dropped, and a warning is logged."""

import logging

import redis

logger = logging.getLogger(__name__)

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

    def get(self, key: str) -> str | None:
        try:
            value = self._client.get(key)
        except redis.RedisError as exc:
            self._warn("get", exc)
            return None
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str, ttl_seconds: int) -> None:
        try:
            self._client.set(key, value, ex=ttl_seconds)
        except redis.RedisError as exc:
            self._warn("set", exc)

    def delete(self, key: str) -> None:
        try:
            self._client.delete(key)
        except redis.RedisError as exc:
            self._warn("delete", exc)

    def incr(self, key: str) -> None:
        try:
            self._client.incr(key)
        except redis.RedisError as exc:
            self._warn("incr", exc)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def _warn(operation: str, exc: redis.RedisError) -> None:
        logger.warning(
            "cache unavailable, serving from the database: %s failed: %s", operation, exc
        )
