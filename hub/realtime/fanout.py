"""A cheaper fan-out: one event to a room of 1,000 consoles costs a loop, not 3,000 task steps.

python-socketio's `AsyncManager.emit` creates one asyncio task per recipient and waits for
all of them; each task awaits Engine.IO's `send`, which queues the packet; the socket's
writer task then wakes from `asyncio.wait_for(queue.get(), ...)`, which wraps the `get` in
yet another task and arms a timer. At 1,000 consoles that bookkeeping, not the network,
is most of an SOS's CPU, and the console that hears last waits for all of it.

Here the packet is built once, as python-socketio does, and put straight onto each
recipient's Engine.IO queue (`put_nowait`: the queues are unbounded); sockets that are
closed are skipped and sockets whose ping deadline has passed take the library's own
path, which closes them. Callbacks (acknowledgements) need one packet per recipient and
go through the library unchanged.

The websocket writer then waits on its queue with a plain `await`. The library's timeout
there never fires on a live connection (the server pings every `ping_interval`, which
wakes it); what it did do is end the websocket some 40 s after Engine.IO closed the
session (ping timeout, server-side disconnect) when the client kept sending anyway.
`LeanSocket.close` does that at once instead: it queues `None`, the writer stops and
closes the websocket, which ends the reader. A client that vanishes is ended by the
reader's own timeout, which also queues `None`. Long-polling requests keep the timeout
(`asyncio.timeout` in place of `asyncio.wait_for`): it is what answers an idle poll.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import engineio
import socketio
from engineio import async_socket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet


class FanoutManager(socketio.AsyncManager):  # type: ignore[misc]
    """`AsyncManager` whose `emit` without a callback queues one shared packet per socket.

    Listed before `AsyncManager` in a subclass of `AsyncRedisManager`, it is also what the
    pub/sub listener's local delivery (`super().emit`) runs.
    """

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(
                event,
                data,
                namespace,
                room=room,
                skip_sid=skip_sid,
                callback=callback,
                to=to,
                **kwargs,
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(
            sio_packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        packets = [
            eio_packet.Packet(eio_packet.MESSAGE, part)
            for part in (encoded if isinstance(encoded, list) else [encoded])
        ]
        await self._deliver(
            [eio_sid for sid, eio_sid in self.get_participants(namespace, room) if sid not in skip],
            packets,
        )

    async def _deliver(self, eio_sids: list[str], packets: list[eio_packet.Packet]) -> None:
        """Queue `packets` on every live socket; stale ones go the library's way (and close)."""
        eio = self.server.eio
        sockets = eio.sockets
        deadline = time.time() - eio.ping_timeout
        stale = []
        for eio_sid in eio_sids:
            socket = sockets.get(eio_sid)
            if socket is None or socket.closed:
                continue
            last_ping = socket.last_ping
            if last_ping and last_ping < deadline:
                stale.append(socket)
                continue
            queue = socket.queue
            for pkt in packets:
                queue.put_nowait(pkt)
        for socket in stale:
            for pkt in packets:
                try:
                    await socket.send(pkt)
                except eio_exceptions.SocketIsClosedError:
                    break


class LeanSocket(async_socket.AsyncSocket):  # type: ignore[misc]
    """An Engine.IO socket whose writer waits without a task and a future per packet."""

    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        """Close the session; a websocket's writer is woken to close the connection too."""
        first = not self.closed and not self.closing
        await super().close(wait=wait, abort=abort, reason=reason)
        if first and self.upgraded:
            self.queue.put_nowait(None)  # after any CLOSE packet: the writer sends it, then ends

    async def poll(self) -> list[eio_packet.Packet]:
        """The library's `poll`; no timeout for the websocket writer, a cheaper one for polls."""
        queue = self.queue
        try:
            if not queue.empty():
                first = queue.get_nowait()
            elif self.upgraded:  # the websocket writer: the reader's end unblocks it
                first = await queue.get()
            else:
                async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
                    first = await queue.get()
            queue.task_done()
        except (TimeoutError, asyncio.CancelledError):
            raise eio_exceptions.QueueEmpty() from None
        if first is None:
            return []
        packets = [first]
        while not queue.empty():
            pkt = queue.get_nowait()
            queue.task_done()
            if pkt is None:
                queue.put_nowait(None)
                break
            packets.append(pkt)
        return packets


def install_lean_sockets(eio: engineio.AsyncServer) -> None:
    """Make every new Engine.IO socket a `LeanSocket`, before its writer starts.

    Engine.IO builds its sockets itself; its `connect` event runs after the socket exists
    and before any transport loop reads `poll`, so the class is switched there. LeanSocket
    only overrides a method, so the switch changes no state.
    """
    inner_connect = eio.handlers["connect"]

    async def connect(eio_sid: str, environ: dict[str, Any], *args: Any) -> Any:
        socket = eio.sockets.get(eio_sid)
        if type(socket) is async_socket.AsyncSocket:
            socket.__class__ = LeanSocket
        return await inner_connect(eio_sid, environ, *args)

    eio.on("connect", connect)
