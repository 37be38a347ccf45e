"""The socket cap per address: sessions no namespace admitted yet cannot lock consoles out."""

from __future__ import annotations

import asyncio
from typing import Any

from hub.realtime.limits import ConnectionCap


def environ(address: str) -> dict[str, Any]:
    return {"asgi.scope": {"client": (address, 40000)}}


class Dropped:
    """Records what the cap closes, and closes it (counts it out) as Engine.IO would."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.cap: ConnectionCap | None = None

    async def __call__(self, eio_sid: str) -> None:
        self.ids.append(eio_sid)
        assert self.cap is not None
        self.cap.release(eio_sid)


def capped(
    cap: int, pending_cap: int = 50, join_seconds: float = 15.0
) -> tuple[ConnectionCap, Dropped]:
    dropped = Dropped()
    limits = ConnectionCap(cap, pending_cap=pending_cap, join_seconds=join_seconds, drop=dropped)
    dropped.cap = limits
    return limits, dropped


async def settle(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def test_bare_sessions_at_the_cap_make_room_for_a_console_signing_in() -> None:
    cap, dropped = capped(3)
    for i in range(3):
        assert cap.admit(f"bare{i}", environ("203.0.113.9"))  # no namespace: pending
    assert cap.admit("console", environ("203.0.113.9"))  # the oldest bare one makes room
    cap.joined("console")
    await settle(lambda: dropped.ids == ["bare0"])
    assert cap.open["203.0.113.9"] == 3


async def test_an_address_whose_sessions_all_signed_in_is_refused_at_the_cap() -> None:
    cap, dropped = capped(3)
    for i in range(3):
        assert cap.admit(f"c{i}", environ("203.0.113.9"))
        cap.joined(f"c{i}")
    assert not cap.admit("more", environ("203.0.113.9"))
    assert cap.admit("elsewhere", environ("203.0.113.10"))
    cap.release("c0")
    assert cap.admit("again", environ("203.0.113.9"))
    assert dropped.ids == []


async def test_a_flood_of_bare_sessions_keeps_only_the_pending_cap_and_churns_among_itself() -> (
    None
):
    cap, dropped = capped(500, pending_cap=5)
    for i in range(40):
        assert cap.admit(f"bare{i}", environ("198.51.100.1"))
    await settle(lambda: len(dropped.ids) == 35)
    assert dropped.ids == [f"bare{i}" for i in range(35)]  # the oldest first
    assert len(cap.pending["198.51.100.1"]) == 5


async def test_a_session_that_joins_no_namespace_is_closed_after_a_while() -> None:
    cap, dropped = capped(10, join_seconds=0.05)
    assert cap.admit("bare", environ("203.0.113.9"))
    assert cap.admit("console", environ("203.0.113.9"))
    cap.joined("console")
    await settle(lambda: dropped.ids == ["bare"])
    await asyncio.sleep(0.1)
    assert dropped.ids == ["bare"] and cap.open["203.0.113.9"] == 1  # the console stays


async def test_an_ipv6_host_is_counted_by_its_64() -> None:
    cap, _ = capped(2)
    for i in range(2):
        assert cap.admit(f"v6-{i}", environ(f"2001:db8:7:1::{i + 1}"))
        cap.joined(f"v6-{i}")
    assert not cap.admit("v6-more", environ("2001:db8:7:1:ffff::9"))  # same /64
    assert cap.admit("v6-other", environ("2001:db8:7:2::1"))  # another /64


async def test_a_session_that_leaves_its_only_namespace_is_pending_again() -> None:
    """A socket.io DISCONNECT for its namespace, the Engine.IO session left open: it is
    nobody's console any more, and is closed like a bare session unless it joins again."""
    cap, dropped = capped(10, join_seconds=0.05)
    for sid in ("leaves", "comes-back", "stays"):
        assert cap.admit(sid, environ("203.0.113.9"))
        cap.joined(sid, "/staff")
    cap.left("comes-back", "/staff")
    cap.joined("comes-back", "/staff")
    cap.left("leaves", "/staff")  # its deadline after the one "comes-back" would have had
    await settle(lambda: bool(dropped.ids))
    assert dropped.ids == ["leaves"] and cap.open["203.0.113.9"] == 2


async def test_a_session_still_admitted_by_another_namespace_is_not_pending() -> None:
    cap, dropped = capped(10, join_seconds=0.05)
    assert cap.admit("both", environ("203.0.113.9"))
    cap.joined("both", "/staff")
    cap.joined("both", "/thread")
    cap.left("both", "/thread")
    cap.left("both", "/kiosk")  # a namespace that never admitted it changes nothing
    assert "203.0.113.9" not in cap.pending
    cap.left("both", "/staff")
    await settle(lambda: dropped.ids == ["both"])


async def test_a_closed_session_leaving_its_namespaces_is_not_pending_again() -> None:
    cap, dropped = capped(10)
    assert cap.admit("gone", environ("203.0.113.9"))
    cap.joined("gone", "/staff")
    cap.release("gone")  # Engine.IO closed it; socket.io then lets its namespaces go
    cap.left("gone", "/staff")
    assert cap.pending == {} and cap.open == {} and dropped.ids == []
