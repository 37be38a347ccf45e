"""The served hub tunes the cyclic collector for fan-out (see hub.app.tune_gc), and the GIL's
switch interval (hub.serve.SWITCH_INTERVAL) for its event loop beside SQLite's thread."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest
import uvicorn

from hub import serve as hub_serve
from hub.app import GC_THRESHOLD, Hub
from hub.serve import SWITCH_INTERVAL
from hub.settings import Settings

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


@pytest.fixture
def stock_switching() -> Iterator[float]:
    """Python's own GIL switch interval before and after the test."""
    stock = sys.getswitchinterval()
    yield stock
    sys.setswitchinterval(stock)


def test_the_served_hub_hands_the_gil_over_every_half_millisecond(
    settings: Settings, stock_switching: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `sos-hub serve` up to the moment uvicorn takes over: what is the interval then?
    seen: list[float] = []

    def run(server: uvicorn.Server) -> None:
        seen.append(sys.getswitchinterval())
        server.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setattr(hub_serve, "_exit_quietly_on_signals", lambda: None)
    assert stock_switching >= 0.005  # Python's own: 5 ms
    hub_serve.serve(settings, host="127.0.0.1", port=0)
    assert seen == [SWITCH_INTERVAL]
    assert SWITCH_INTERVAL == 0.0005


async def test_a_hub_started_outside_serve_keeps_pythons_switch_interval(
    hub: Hub, stock_switching: float
) -> None:
    assert sys.getswitchinterval() == stock_switching
