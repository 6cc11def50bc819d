"""For the tests that count requests against a rate limit."""

import time

import pytest

from app.core.rate_limits import Tier


@pytest.fixture
def one_rate_limit_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request of the test falls in the same rate-limit window: a window that ended
    between two of them would start their counts again."""
    pinned = time.time()
    window = Tier.window
    monkeypatch.setattr(Tier, "window", lambda tier, _now: window(tier, pinned))
