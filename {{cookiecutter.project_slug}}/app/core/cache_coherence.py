"""How writes keep every process's cache coherent, whatever happens to Redis.

A cached value belongs to a scope (one user, or the list of users) with two keys beside
it: a version that every write moves twice, and a count of the writes in flight.

- A write first *begins*: it counts itself in, moves the version and drops the scope's
  entry. If that cannot be done (Redis unreachable), the write is refused with 503 and
  nothing is written: no write is acknowledged whose invalidation was not made, so a
  Redis that comes back, or a replica that kept its connection, holds nothing stale.
- It then writes the database and *ends*: counts itself out, moves the version again
  and drops the entry again.
- A reader notes the version as it looks the value up; after a miss it reads the
  database and fills the cache only if no write is in flight and the version is still
  the one it noted. A value read before a write committed is never stored after it.

An end that fails (Redis lost in the middle of a write) leaves its count in, so the scope
is not filled again until the count expires, WRITE_WINDOW_SECONDS after the write began.
Redis runs each script below atomically; `InProcessStore` keeps the same rules in memory.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

# Longer than any write or any read's trip from the database to the cache takes.
WRITE_WINDOW_SECONDS = 60
CACHE_UNAVAILABLE = "The cache cannot be updated right now, so nothing was changed"
# The version a reader notes when the cache could not be read: no fill presents it.
UNREACHABLE_VERSION = "unreachable"


@dataclass(frozen=True, slots=True)
class Scope:
    version_key: str
    writes_key: str
    # The entry a write drops; a scope whose entries are keyed by its version has none.
    entry_key: str | None
    # Whether the version outlives the write window. A version that entries are keyed by
    # must never go back to a value it had, so it is kept for good.
    version_kept: bool


class Lookup(NamedTuple):
    value: str | None
    # The scope's version when the value was looked up: the stamp a fill must present.
    version: str


BEGIN, END = 1, -1


def write_script_arguments(scopes: Sequence[Scope], step: int) -> tuple[list[str], list[str]]:
    """KEYS and ARGV of WRITE_SCRIPT for these scopes, at a write's BEGIN or END."""
    keys = [key for scope in scopes for key in (scope.version_key, scope.writes_key)]
    keys += [scope.entry_key for scope in scopes if scope.entry_key is not None]
    kept = ["1" if scope.version_kept else "0" for scope in scopes]
    return keys, [str(len(scopes)), str(WRITE_WINDOW_SECONDS), str(step), *kept]


# A write's begin (step 1) or end (step -1): count it in or out of each scope, move each
# version, drop the entries.
WRITE_SCRIPT = """
local scopes, window, step = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
for i = 1, scopes do
    local version, writes = KEYS[2 * i - 1], KEYS[2 * i]
    if redis.call("INCRBY", writes, step) <= 0 then
        redis.call("DEL", writes)
    elseif step > 0 then
        redis.call("EXPIRE", writes, window)
    end
    redis.call("INCR", version)
    if ARGV[3 + i] == "0" then
        redis.call("EXPIRE", version, window)
    end
end
for i = 2 * scopes + 1, #KEYS do
    redis.call("DEL", KEYS[i])
end
return 1
"""

# KEYS: entry, version, writes; ARGV: value, ttl, the version the reader noted.
FILL_SCRIPT = """
if redis.call("EXISTS", KEYS[3]) == 1 then
    return 0
end
if (redis.call("GET", KEYS[2]) or "") ~= ARGV[3] then
    return 0
end
redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[2])
return 1
"""


class InProcessStore:
    """The same rules in this process's memory, for a server without Redis. Not
    thread-safe: the memory cache (app/adapters/cache/memory.py) holds a lock around each call."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float]] = {}
        self._versions: dict[str, int] = {}
        self._writes: dict[str, tuple[int, float]] = {}

    def lookup(self, key: str, scope: Scope) -> Lookup:
        entry = self._entries.get(key)
        value = None
        if entry is not None:
            if entry[1] > time.monotonic():
                value = entry[0]
            else:
                del self._entries[key]
        return Lookup(value, self.version(scope))

    def version(self, scope: Scope) -> str:
        return str(self._versions.get(scope.version_key, ""))

    def fill(self, key: str, value: str, ttl_seconds: int, scope: Scope, noted: str) -> None:
        if self._writing(scope) or self.version(scope) != noted:
            return
        self._entries[key] = (value, time.monotonic() + ttl_seconds)

    def begin_write(self, scopes: Sequence[Scope]) -> None:
        expires_at = time.monotonic() + WRITE_WINDOW_SECONDS
        for scope in scopes:
            count = self._writes[scope.writes_key][0] if self._writing(scope) else 0
            self._writes[scope.writes_key] = (count + 1, expires_at)
            self._move(scope)

    def end_write(self, scopes: Sequence[Scope]) -> None:
        for scope in scopes:
            if self._writing(scope):
                count, expires_at = self._writes[scope.writes_key]
                if count > 1:
                    self._writes[scope.writes_key] = (count - 1, expires_at)
                else:
                    del self._writes[scope.writes_key]
            self._move(scope)

    def clear(self) -> None:
        self._entries.clear()
        self._versions.clear()
        self._writes.clear()

    def _writing(self, scope: Scope) -> bool:
        found = self._writes.get(scope.writes_key)
        return found is not None and found[1] > time.monotonic()

    def _move(self, scope: Scope) -> None:
        # One process's versions never repeat, so none needs to expire.
        self._versions[scope.version_key] = self._versions.get(scope.version_key, 0) + 1
        if scope.entry_key is not None:
            self._entries.pop(scope.entry_key, None)
