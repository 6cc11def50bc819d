"""The sync modules that are generated from async originals are what those originals give."""

from harness.matrix import PROJECT_TEMPLATE
from tests.sync_twins import COMMAND, stale_twins


def test_every_sync_twin_is_what_its_async_original_gives() -> None:
    stale = [str(twin.relative_to(PROJECT_TEMPLATE)) for twin in stale_twins()]
    assert not stale, f"stale sync twins: {', '.join(stale)}; run `{COMMAND}` to regenerate them."
