"""New Engine.IO sessions per network: a reconnect storm gets in, a flood does not."""

from __future__ import annotations

import dataclasses

import pytest
import socketio

from hub.realtime import limits
from hub.realtime.handshakes import HANDSHAKE_BURST, HANDSHAKE_RATE, HandshakeRate, opens_session
from hub.realtime.limits import JOIN_SECONDS, PENDING_PER_ADDRESS, install_connection_cap
from hub.settings import Settings
from tests.unit.test_connection_cap import capped, environ


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_network_opens_its_burst_at_once_then_at_the_rate() -> None:
    clock = Clock()
    rate = HandshakeRate(burst=10, per_second=2.0, clock=clock)
    assert all(rate.take("203.0.113.9") == 0 for _ in range(10))
    wait = rate.take("203.0.113.9")
    assert wait == 0.5  # the next token, at two a second
    assert rate.take("203.0.113.10") == 0  # another network is not affected
    clock.now += 0.5
    assert rate.take("203.0.113.9") == 0
    assert rate.take("203.0.113.9") > 0


def test_refused_handshakes_cost_their_network_nothing_more() -> None:
    clock = Clock()
    rate = HandshakeRate(burst=2, per_second=1.0, clock=clock)
    rate.take("198.51.100.1"), rate.take("198.51.100.1")
    for _ in range(1000):  # a flood that is refused does not push the next token away
        assert rate.take("198.51.100.1") > 0
    clock.now += 1.0
    assert rate.take("198.51.100.1") == 0


def test_full_buckets_are_forgotten() -> None:
    clock = Clock()
    rate = HandshakeRate(burst=2, per_second=1.0, clock=clock)
    for i in range(5000):
        rate.take(f"2001:db8:{i:x}::/64")
    clock.now += 10
    rate.take("203.0.113.1")
    for i in range(5000):  # the next sweep finds every earlier bucket full again
        rate.take(f"2001:db9:{i:x}::/64")
    assert len(rate._buckets) <= 5001


async def test_two_hundred_consoles_behind_one_nat_reconnecting_at_once_all_get_in() -> None:
    """A restart's reconnect storm: every console handshakes in the same second; none is
    refused, and none pushes another's session out before it signs in."""
    assert PENDING_PER_ADDRESS > HANDSHAKE_BURST >= 200
    # even right after a saved-up burst, a flood needs 5 s to push out a session that
    # handshook just before it; after that, as long as a session may stay pending
    assert (PENDING_PER_ADDRESS - HANDSHAKE_BURST) / HANDSHAKE_RATE >= 5
    assert PENDING_PER_ADDRESS / HANDSHAKE_RATE >= JOIN_SECONDS
    rate = HandshakeRate()
    cap, dropped = capped(500, pending_cap=PENDING_PER_ADDRESS)
    for i in range(200):
        assert rate.take("203.0.113.9") == 0
        assert cap.admit(f"console{i}", environ("203.0.113.9"))
    for i in range(200):
        cap.joined(f"console{i}")
    assert dropped.ids == [] and cap.open["203.0.113.9"] == 200


def test_only_requests_for_a_new_session_count() -> None:
    assert opens_session(
        {"type": "http", "method": "GET", "query_string": b"EIO=4&transport=polling"}
    )
    assert opens_session({"type": "websocket", "query_string": b"EIO=4&transport=websocket"})
    assert not opens_session({"type": "http", "method": "GET", "query_string": b"EIO=4&sid=abc"})
    assert not opens_session({"type": "http", "method": "POST", "query_string": b"EIO=4"})
    assert not opens_session({"type": "websocket", "query_string": b"EIO=4&sid=abc"})


async def test_an_ipv6_site_shares_one_bucket_across_its_64s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A site is handed a /56: 256 networks of /64, each of which would otherwise get a
    burst of its own (and 256 times the sessions)."""
    # The buckets' clock stands still: on a loaded machine the burst took long enough for a
    # token to come back, and the one handshake over it went through.
    monkeypatch.setattr(limits, "HandshakeRate", lambda: HandshakeRate(clock=lambda: 0.0))
    sio = socketio.AsyncServer(async_mode="asgi")
    let_through: list[str] = []

    async def engineio(scope: dict[str, object], receive: object, send: object) -> None:
        let_through.append(str(scope["client"][0]))  # type: ignore[index]

    sio.eio.handle_request = engineio
    install_connection_cap(sio, dataclasses.replace(Settings.from_env({}), rate_limits=True))
    answers: list[int] = []

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            answers.append(int(message["status"]))  # type: ignore[call-overload]

    async def handshake(address: str) -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "query_string": b"EIO=4&transport=polling",
            "headers": [],
            "client": (address, 50000),
        }
        await sio.eio.handle_request(scope, None, send)

    for i in range(HANDSHAKE_BURST):
        await handshake(f"2001:db8:1:100::{i + 1:x}")
    await handshake("2001:db8:1:1ff::1")  # another /64 of the same /56
    await handshake("2001:db8:1:200::1")  # the next site
    assert len(let_through) == HANDSHAKE_BURST + 1 and let_through[-1] == "2001:db8:1:200::1"
    assert answers == [429]
