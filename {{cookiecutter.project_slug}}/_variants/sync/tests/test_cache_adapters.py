# Generated from _variants/fastapi/tests/test_cache_adapters.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""The cache adapters' coherence rules (app/core/cache_coherence.py), in memory and in Redis:
what a reader may store while writes come and go, and what an unreachable Redis does."""

import importlib.util
import json
import os
from collections.abc import Iterator

import pytest

from app.adapters.cache import CacheBackend, connect_cache
from app.adapters.cache.memory import MemoryCache
from app.core import cache_keys
from app.core.cache_coherence import UNREACHABLE_VERSION
from app.core.errors import Unavailable
from app.core.logging import configure_logging

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def backends() -> list[str]:
    with_redis = os.environ.get("TEST_REDIS_URL") and importlib.util.find_spec("redis")
    return ["memory", "redis"] if with_redis else ["memory"]


@pytest.fixture(params=backends())
def cache(request: pytest.FixtureRequest) -> Iterator[CacheBackend]:
    backend = connect_cache(os.environ["TEST_REDIS_URL"] if request.param == "redis" else None)
    yield backend
    backend.close()


KEY = cache_keys.user_key(1)
SCOPE = cache_keys.user_scope(1)


def test_a_miss_is_filled_and_then_hit(cache: CacheBackend) -> None:
    missed = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "from the database", 60, SCOPE, missed.version)

    assert missed.value is None
    assert (cache.lookup(KEY, SCOPE)).value == "from the database"


def test_no_fill_lands_while_a_write_is_in_flight(cache: CacheBackend) -> None:
    cache.fill(KEY, "old", 60, SCOPE, (cache.lookup(KEY, SCOPE)).version)

    cache.begin_write([SCOPE])
    during = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "read during the write", 60, SCOPE, during.version)
    still_empty = cache.lookup(KEY, SCOPE)
    cache.end_write([SCOPE])
    after = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "read after the write", 60, SCOPE, after.version)

    assert (during.value, still_empty.value, after.value) == (None, None, None)
    assert (cache.lookup(KEY, SCOPE)).value == "read after the write"


def test_a_value_read_before_a_write_is_never_stored_after_it(cache: CacheBackend) -> None:
    noted = (cache.lookup(KEY, SCOPE)).version

    cache.begin_write([SCOPE])
    cache.end_write([SCOPE])
    cache.fill(KEY, "read before the write", 60, SCOPE, noted)

    assert (cache.lookup(KEY, SCOPE)).value is None


def test_overlapping_writes_keep_fills_out_until_the_last_one_ends(
    cache: CacheBackend,
) -> None:
    cache.begin_write([SCOPE])
    cache.begin_write([SCOPE, cache_keys.USERS_LIST])
    cache.end_write([SCOPE])
    one_left = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "read while one write is in flight", 60, SCOPE, one_left.version)
    refused = cache.lookup(KEY, SCOPE)
    cache.end_write([SCOPE, cache_keys.USERS_LIST])
    none_left = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "read after both", 60, SCOPE, none_left.version)

    assert refused.value is None
    assert (cache.lookup(KEY, SCOPE)).value == "read after both"


def test_memory_entries_expire() -> None:
    cache = MemoryCache()
    cache.fill(KEY, "value", 0, SCOPE, (cache.lookup(KEY, SCOPE)).version)

    assert (cache.lookup(KEY, SCOPE)).value is None
    assert cache.ping()


@pytest.mark.skipif(not importlib.util.find_spec("redis"), reason="generated without Redis")
def test_an_unreachable_redis_misses_drops_fills_and_refuses_writes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("WARNING")  # onto this test's captured output
    cache = connect_cache(UNREACHABLE_REDIS)

    looked = cache.lookup(KEY, SCOPE)
    cache.fill(KEY, "value", 60, SCOPE, looked.version)
    with pytest.raises(Unavailable):
        cache.begin_write([SCOPE])
    cache.end_write([SCOPE])
    version = cache.version(cache_keys.USERS_LIST)
    answers = cache.ping()
    cache.close()

    assert looked == (None, UNREACHABLE_VERSION)
    assert (version, answers) == (UNREACHABLE_VERSION, False)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(entry["event"], entry["level"]) for entry in logged} == {
        ("cache_unavailable", "warning")
    }
    assert [entry["operation"] for entry in logged] == [
        "lookup",
        "begin_write",
        "end_write",
        "version",
        "ping",
    ]
