"""The served hub tunes the cyclic collector for fan-out (see hub.app.tune_gc)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.app import GC_THRESHOLD, Hub

STOCK_THRESHOLD = (700, 10, 10)


@pytest.fixture(autouse=True)
def stock_gc() -> Iterator[None]:
    """Stock collector settings before the hub starts (autouse: set up before `hub`), and
    again after the test, so neither earlier nor later tests see another's tuning."""
    gc.unfreeze()
    gc.set_threshold(*STOCK_THRESHOLD)
    yield
    gc.unfreeze()
    gc.set_threshold(*STOCK_THRESHOLD)


async def test_a_started_hub_freezes_its_start_up_heap_and_raises_the_gen0_threshold(
    hub: Hub,
) -> None:
    # The `hub` fixture ran before_serving, as `sos-hub serve` does at start-up.
    assert gc.get_threshold() == GC_THRESHOLD
    assert GC_THRESHOLD[0] >= 10_000  # far above the stock 700: few gen-0 pauses under load
    assert gc.get_freeze_count() > 0
