"""Engine.IO sessions on a real server: a flood of handshakes from one network is refused
before any session opens, and a signed-in console is never pushed out by bare sessions.

The hub trusts loopback as its proxy, so each test names its own client network in
X-Forwarded-For and the tests' connections never count against each other.
"""

from __future__ import annotations

import asyncio
import functools
import time

import httpx
import pytest
import socketio
from websockets.asyncio.client import connect as websocket
from websockets.exceptions import InvalidStatus

from hub.realtime.handshakes import HANDSHAKE_BURST
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

SERVED = Serve(envs=({"HUB_RATE_LIMITS": "on", "HUB_TRUSTED_PROXIES": "127.0.0.1"},))
POLL = {"EIO": "4", "transport": "polling"}


async def console(consoles: list[Console], served: Served, network: str) -> Console:
    """An agent's console signed in to /staff from `network`."""
    made = Console(
        served.url,
        auth={"token": served.acme.tokens["agent"]},
        headers={"X-Forwarded-For": network},
    )
    consoles.append(made)
    return await made.connect()


def heard(console: Console, ticket_id: str) -> bool:
    return ticket_id in [e["id"] for e in console.events("ticket.created")]


def websocket_url(served: Served) -> str:
    return served.url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"


class Flood:
    """Bare handshakes from one network, polling and websocket, with what was answered."""

    def __init__(self, served: Served, network: str) -> None:
        self.served = served
        self.headers = {"X-Forwarded-For": network}
        self.polls: list[httpx.Response] = []
        self.sockets: list[tuple[int, bytes]] = []  # status, body

    async def poll(self, http: httpx.AsyncClient) -> None:
        self.polls.append(await http.get("/socket.io/", params=POLL, headers=self.headers))

    async def socket(self) -> None:
        try:
            async with websocket(websocket_url(self.served), additional_headers=self.headers):
                self.sockets.append((101, b""))
        except InvalidStatus as refused:
            self.sockets.append((refused.response.status_code, bytes(refused.response.body or b"")))

    def refused_polls(self) -> list[httpx.Response]:
        return [r for r in self.polls if r.status_code == 429]

    def refused_sockets(self) -> list[bytes]:
        return [body for status, body in self.sockets if status == 429]


async def test_a_flood_of_handshakes_is_refused_before_any_session_and_its_console_stays(
    served: Served, consoles: list[Console]
) -> None:
    network = "203.0.113.51"
    signed_in = await console(consoles, served, network)  # before the flood
    flood = Flood(served, network)
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        # Until both kinds of handshake have been refused; five bursts' worth at most.
        for _ in range(5 * HANDSHAKE_BURST // 25):
            await asyncio.gather(
                *(flood.poll(http) for _ in range(25)), *(flood.socket() for _ in range(3))
            )
            if flood.refused_polls() and flood.refused_sockets():
                break
    # the flooded network's handshakes are used up; another network's are not
    other = await console(consoles, served, "203.0.113.52")
    refused = flood.refused_polls()
    assert refused, f"{len(flood.polls)} handshakes from one network, none refused"
    assert {r.status_code for r in flood.polls} <= {200, 429}
    first = refused[0]
    assert int(first.headers["Retry-After"]) >= 1
    assert first.json()["error"]["code"] == "rate_limited"
    assert "too many new connections" in first.json()["error"]["message"]
    assert b'"rate_limited"' in flood.refused_sockets()[0]
    # the console signed in before the flood was never pushed out, and still hears SOS
    assert signed_in.connected and signed_in.disconnects == 0
    sent = await http_sos(served.url, served.acme)
    for c in (signed_in, other):
        await c.wait_for(functools.partial(heard, c, sent["id"]), 10, "the SOS on the console")
    # once the flood stops, the network's consoles get in again (its rate refills)
    deadline = time.monotonic() + 30
    while True:
        try:
            await console(consoles, served, network)
            break
        except socketio.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the flooded network never got in again"
            await asyncio.sleep(0.1)
