"""A session that leaves its namespace is nobody's console: on a real server, it is closed
after JOIN_SECONDS like a bare session, unless it joins again.

Raw Engine.IO clients over websocket (socket.io clients close the session themselves when
their last namespace goes), which answer the server's pings, so the only thing that can
close them is the hub's socket cap.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websocket
from websockets.exceptions import ConnectionClosed

from hub.realtime.limits import JOIN_SECONDS
from tests.kit import Serve, Served

pytestmark = pytest.mark.slow

SERVED = Serve(envs=({"HUB_RATE_LIMITS": "on", "HUB_TRUSTED_PROXIES": "127.0.0.1"},))
NETWORK = "203.0.113.61"  # this module's own client network (loopback is a trusted proxy)


class RawSession:
    """An Engine.IO session over websocket that answers pings and keeps what it hears."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.heard: asyncio.Queue[str] = asyncio.Queue()
        self.closed = asyncio.Event()
        self._pump = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message == "2":  # the server's ping: a live client answers
                    await self.ws.send("3")
                else:
                    self.heard.put_nowait(str(message))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def expect(self, prefix: str, within: float = 10) -> str:
        """The next packet starting with `prefix` (a refusal `44…` fails at once)."""
        async with asyncio.timeout(within):
            while True:
                packet = await self.heard.get()
                assert not packet.startswith("44"), packet
                if packet.startswith(prefix):
                    return packet

    async def join_staff(self, token: str) -> None:
        await self.ws.send("40/staff," + json.dumps({"token": token}))
        await self.expect("40/staff,")

    async def close(self) -> None:
        await self.ws.close()
        await self._pump

    async def leave_staff(self) -> None:
        await self.ws.send("41/staff,")  # the namespace's DISCONNECT; the session stays


@pytest.fixture
async def sessions(served: Served) -> AsyncIterator[list[RawSession]]:
    opened: list[RawSession] = []

    async def _open() -> RawSession:
        url = served.url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        ws = await websocket(url, additional_headers={"X-Forwarded-For": NETWORK})
        session = RawSession(ws)
        opened.append(session)
        await session.expect("0{")  # Engine.IO's open packet
        return session

    yield [await _open(), await _open()]
    for session in opened:
        await session.close()


async def test_a_session_that_leaves_the_staff_namespace_is_closed_unless_it_joins_again(
    served: Served, sessions: list[RawSession]
) -> None:
    token = served.acme.tokens["agent"]
    gone, back = sessions
    await gone.join_staff(token)
    await back.join_staff(token)
    await back.leave_staff()
    await back.join_staff(token)  # joins again: admitted, no deadline
    await gone.leave_staff()  # and stays outside every namespace
    # Closed by the hub once JOIN_SECONDS have passed (the pings are answered, so only the
    # socket cap closes it); the margin is for a loaded machine, not a timing claim.
    try:
        async with asyncio.timeout(JOIN_SECONDS + 30):
            await gone.closed.wait()
    except TimeoutError:
        pytest.fail("a session outside every namespace was never closed by the hub")
    # the one that joined again (its deadline, had it kept one, was earlier) is still in
    assert not back.closed.is_set()
    await back.ws.send('42/staff,["resume",{"since":0}]')
    await back.expect('42/staff,["resume.done"')
