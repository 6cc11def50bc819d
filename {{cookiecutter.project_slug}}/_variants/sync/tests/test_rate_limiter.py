# Generated from _variants/fastapi/tests/test_rate_limiter.py by
# `uv run python -m tests.sync_twins` (in the template); do not edit.
"""The limiter's fixed windows, on the memory counters a project without Redis uses, and on
Redis's."""

import json
import logging
import os
import time
import uuid
import zlib

import pytest

from app.adapters.cache import connect_cache
from app.adapters.cache.counters import MemoryCounters, RateLimiter
from app.core.logging import configure_logging
from app.core.rate_limits import REDIS_KEY_PREFIX, WINDOW_SECONDS, Tier, Usage


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def window_start(identity: str, near: int) -> int:
    """The start of `identity`'s window that holds second `near`."""
    offset = zlib.crc32(identity.encode()) % WINDOW_SECONDS
    return near - (near - offset) % WINDOW_SECONDS


def hit(limiter: RateLimiter, *tiers: Tier) -> Usage:
    usage = limiter.hit(list(tiers))
    assert usage is not None
    return usage


def test_a_window_counts_up_to_its_limit_then_refuses_until_it_ends() -> None:
    tier = Tier("ip", "10.0.0.1", per_minute=2)
    start = window_start(tier.identity, 1_700_000_000)
    clock = Clock(start + 20.5)
    limiter = RateLimiter(MemoryCounters(), clock)

    first, second, third = [hit(limiter, tier) for _ in range(3)]

    assert (first.remaining, second.remaining) == (1, 0)
    assert (first.allowed, second.allowed, third.allowed) == (True, True, False)
    assert third.reset_seconds == 40
    clock.now = start + WINDOW_SECONDS
    after = hit(limiter, tier)
    assert (after.allowed, after.remaining, after.reset_seconds) == (True, 1, WINDOW_SECONDS)


def test_the_last_fraction_of_a_second_still_reports_a_reset_of_one_second() -> None:
    tier = Tier("ip", "10.0.0.1", per_minute=5)
    start = window_start(tier.identity, 1_700_000_000)
    limiter = RateLimiter(MemoryCounters(), Clock(start + WINDOW_SECONDS - 0.01))

    assert (hit(limiter, tier)).reset_seconds == 1


def test_each_client_and_tier_has_its_own_count() -> None:
    limiter = RateLimiter(MemoryCounters(), Clock(1_700_000_000.0))
    ip = Tier("ip", "10.0.0.1", per_minute=5)

    hit(limiter, ip)
    other_ip = hit(limiter, Tier("ip", "10.0.0.2", per_minute=5))
    login = hit(limiter, Tier("login", "10.0.0.1", per_minute=5))

    assert (other_ip.remaining, login.remaining) == (4, 4)


def test_the_headers_describe_the_tier_with_the_fewest_requests_left() -> None:
    limiter = RateLimiter(MemoryCounters(), Clock(1_700_000_000.0))
    ip = Tier("ip", "10.0.0.1", per_minute=100)
    user = Tier("user", "42", per_minute=3)

    usage = hit(limiter, ip, user)

    assert (usage.limit, usage.remaining) == (3, 2)


def test_an_unreachable_redis_lets_the_request_through_with_a_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("redis", reason="a project baked without Redis has no Redis storage")
    # The app's JSON logs, written to this test's captured output; the root logger's
    # handlers and level are given back afterwards.
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    configure_logging("INFO")
    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    cache = connect_cache("redis://127.0.0.1:9/0")
    limiter = RateLimiter(cache.rate_limit_counters())

    usage = limiter.hit([Tier("ip", "10.0.0.1", per_minute=5)])
    cache.close()

    assert usage is None
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["level"], line["event"]) for line in logged] == [
        ("warning", "rate_limit_unavailable")
    ]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL")
def test_processes_sharing_a_redis_share_the_counts() -> None:
    import redis

    url = os.environ["TEST_REDIS_URL"]
    clock = Clock(time.time())
    tier = Tier("ip", uuid.uuid4().hex, per_minute=3)
    one, other = connect_cache(url), connect_cache(url)
    limiters = [RateLimiter(cache.rate_limit_counters(), clock) for cache in (one, other)]

    usages = [hit(limiters[n % 2], tier) for n in range(4)]
    one.close()
    other.close()

    assert [usage.remaining for usage in usages] == [2, 1, 0, 0]
    assert [usage.allowed for usage in usages] == [True, True, True, False]
    with redis.Redis.from_url(url) as client:
        expiry = client.ttl(REDIS_KEY_PREFIX + tier.window(clock.now).counter_key)
    assert 0 < expiry <= WINDOW_SECONDS
