"""Recent visits in memory: a reload within the window is recognised, nothing outlives it."""

from __future__ import annotations

from hub.http.recent import MemoryVisits, visit_key


class Ticking:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


async def test_the_same_browser_on_the_same_page_is_one_visit_until_the_window_ends() -> None:
    clock = Ticking()
    visits = MemoryVisits("secret", window=600, clock=clock)
    assert await visits.first_visit("hall", "device-1")
    clock.at += 599
    assert not await visits.first_visit("hall", "device-1")  # a reload: not renewed by it
    assert await visits.first_visit("pool", "device-1")  # another poster
    assert await visits.first_visit("hall", "device-2")  # another phone
    clock.at += 1
    assert await visits.first_visit("hall", "device-1")  # the window is over


async def test_memory_holds_keyed_hashes_only_and_at_most_its_cap() -> None:
    visits = MemoryVisits("secret", cap=3)
    for n in range(5):
        assert await visits.first_visit("hall", f"device-{n}")
    kept = list(visits._until)
    assert len(kept) == 3 and not any("device" in key for key in kept)
    assert kept[-1] == visit_key("secret", "hall", "device-4")
    assert visit_key("other secret", "hall", "device-4") != kept[-1]
    assert await visits.first_visit("hall", "device-0")  # the oldest went first
