"""A cheaper fan-out: one event to a room of 1,000 consoles costs a loop, not 3,000 task steps.

python-socketio's `AsyncManager.emit` creates one asyncio task per recipient and waits for
all of them; each task awaits Engine.IO's `send`, which queues the packet; the socket's
writer task then wakes from `asyncio.wait_for(queue.get(), ...)`, which wraps the `get` in
yet another task and arms a timer. At 1,000 consoles that bookkeeping, not the network,
is most of an SOS's CPU, and the console that hears last waits for all of it.

Here the packet is built once, as python-socketio does, and so is the websocket frame
that carries it, as Node's Socket.IO does: those same bytes are written straight to the
connection of every console whose writer is idle (`write_now`: a websocket under
uvicorn's sans-I/O protocol, nothing queued, nothing held by the writer, not closing, not
paused by back-pressure). Every other socket gets the packet on its Engine.IO queue
(`put_nowait`: the queues are unbounded), behind what is already there, so nothing is
reordered. Sockets that are closed are skipped and sockets whose ping deadline has passed
take the library's own path, which closes them. Callbacks (acknowledgements) need one
packet per recipient and go through the library unchanged.

The websocket writer then waits on its queue with a plain `await`. The library's timeout
there never fires on a live connection (the server pings every `ping_interval`, which
wakes it); what it did do is end the websocket some 40 s after Engine.IO closed the
session (ping timeout, server-side disconnect) when the client kept sending anyway.
`LeanSocket.close` does that at once instead: it queues `None`, the writer stops and
closes the websocket, which ends the reader. A client that vanishes is ended by the
reader's own timeout, which also queues `None`. Long-polling requests keep the timeout
(`asyncio.timeout` in place of `asyncio.wait_for`): it is what answers an idle poll.

Per connection, `LeanSocket` also keeps less than the library: its queue is a
`LeanQueue`, its ping cycle a timer callback rather than a sleeping task, and its
websocket reader awaits the next message itself rather than through a new task and a
`wait_for` per message. bench/README.md has the figures (against Node's Socket.IO too).
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from typing import Any

import engineio
import socketio
from engineio import async_socket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from socketio import packet as sio_packet
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from hub.realtime.leanqueue import LeanQueue
from hub.realtime.wire import install_lean_environ


class FanoutManager(socketio.AsyncManager):  # type: ignore[misc]
    """`AsyncManager` whose `emit` without a callback queues one shared packet per socket.

    Listed before `AsyncManager` in a subclass of `AsyncRedisManager`, it is also what the
    pub/sub listener's local delivery (`super().emit`) runs.
    """

    # Which rooms each (namespace, sid) is in. python-socketio finds them on disconnect by
    # copying and scanning every room of the namespace: with 5,000 consoles of 1,000
    # businesses (10,000 rooms) that is milliseconds per disconnect, and a restart's or a
    # network cut's thousands of disconnects took the event loop for tens of seconds (the
    # hub missed its shutdown grace and was killed). With this index a disconnect costs
    # what the console's own rooms cost.

    @property
    def _rooms_of(self) -> dict[tuple[str, str], set[Any]]:
        index: dict[tuple[str, str], set[Any]] | None = self.__dict__.get("_room_index")
        if index is None:
            index = self.__dict__["_room_index"] = {}
        return index

    # Told the Engine.IO session of a client a namespace admitted, and of every namespace
    # client that disconnects, with the namespace (`hub.realtime.limits`).
    on_join: Callable[[str | None, str], None] | None = None
    on_leave: Callable[[str | None, str], None] | None = None

    def basic_enter_room(
        self, sid: str, namespace: str, room: Any, eio_sid: str | None = None
    ) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)
        # The None room (the namespace's) and the client's own room (its sid) are entered
        # before the namespace's connect handler runs, admitted or not; any other room only
        # by a handler that admitted the client (hub/realtime/namespaces.py).
        if room is not None and room != sid and self.on_join is not None:
            self.on_join(eio_sid or self.eio_sid_from_sid(sid, namespace), namespace)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        if self.on_leave is not None:  # its Engine.IO session may stay open without it
            self.on_leave(self.eio_sid_from_sid(sid, namespace), namespace)
        rooms = self._rooms_of.pop((namespace, sid), None)
        if rooms is None:  # never entered a room through this manager: the library's way
            super().basic_disconnect(sid, namespace, **kwargs)
            return
        for room in list(rooms):
            super().basic_leave_room(sid, namespace, room)
        # the rest of BaseManager.basic_disconnect, as it is (python-socketio 5)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        """The rooms a client is in (not the namespace's None room)."""
        return [r for r in self._rooms_of.get((namespace, sid), ()) if r is not None]

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
        # one text packet (no binary attachments): the same websocket frame fits every socket
        frame = text_frame(packets[0].encode()) if isinstance(encoded, str) else None
        await self._deliver(
            [eio_sid for sid, eio_sid in self.get_participants(namespace, room) if sid not in skip],
            packets,
            frame,
        )

    async def _deliver(
        self, eio_sids: list[str], packets: list[eio_packet.Packet], frame: bytes | None = None
    ) -> None:
        """Write `frame` to every idle websocket, queue `packets` on the other live sockets;
        stale ones go the library's way (and close)."""
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
            # write_now, inlined and flattened: this loop runs once per console per event.
            # A LeanSocket's queue is a LeanQueue (install_lean_sockets), whose `_items` is
            # its content; `writable._value` is what asyncio.Event.is_set returns.
            if frame is not None and type(socket) is LeanSocket:
                wire = socket.wire
                if (
                    wire is not None
                    and not queue._items
                    and not socket.writing
                    and not wire.close_sent
                    and wire.writable._value  # type: ignore[attr-defined]
                ):
                    transport = wire.transport
                    if not transport.is_closing():
                        transport.write(frame)
                        continue
            for pkt in packets:
                queue.put_nowait(pkt)
        for socket in stale:
            for pkt in packets:
                try:
                    await socket.send(pkt)
                except eio_exceptions.SocketIsClosedError:
                    break


PING_FRAME = b"\x81\x012"  # Engine.IO's PING packet "2" in a websocket text frame


def text_frame(text: str) -> bytes:
    """An unmasked, unfragmented websocket text frame (RFC 6455 5.2), as a server sends it."""
    data = text.encode()
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + data


def write_now(socket: Any, frame: bytes) -> bool:
    """Write `frame` straight to the socket's connection if nothing may overtake it.

    That is: a websocket that connected as one (`wire` is only set then, so it is
    upgraded and never mid-upgrade) under uvicorn's sans-I/O protocol without extensions,
    not past its close, not paused by back-pressure, its transport open, with nothing
    queued (checked by the caller) and its writer idle (not holding packets it took from
    the queue). Otherwise False: the caller queues the packet and the writer sends it.
    A close from the client closes uvicorn's transport at once; our own close sets
    `close_sent` (and the Engine.IO socket's `closed`, which the caller checks first).
    `FanoutManager._deliver` inlines these same checks.
    """
    wire = socket.wire if type(socket) is LeanSocket else None
    if wire is None or socket.writing or wire.close_sent or not wire.writable.is_set():
        return False
    transport = wire.transport
    if transport.is_closing():
        return False
    transport.write(frame)
    return True


def uvicorn_wire(ws: Any) -> WebSocketsSansIOProtocol | None:
    """uvicorn's protocol behind Engine.IO's ASGI websocket, if frames may be written to it.

    Engine.IO's wrapper keeps the ASGI `send`; under uvicorn's `websockets-sansio`
    implementation that is the protocol's bound method. Only a connection without
    extensions (no permessage-deflate) takes a plain frame written from outside.
    """
    wire = getattr(getattr(ws, "asgi_send", None), "__self__", None)
    if isinstance(wire, WebSocketsSansIOProtocol) and not wire.conn.extensions:
        return wire
    return None


class LeanSocket(async_socket.AsyncSocket):  # type: ignore[misc]
    """An Engine.IO socket whose writer waits without a task and a future per packet.

    On a websocket under uvicorn it also exposes the connection (`wire`) so that the
    fan-out can write one shared frame to it, and says when its writer holds packets
    taken from the queue (`writing`): a frame written then would overtake them.
    """

    wire: WebSocketsSansIOProtocol | None = None
    writing = False
    last_ping: float | None  # the library's, set in its __init__
    connected: bool

    ping_timer: asyncio.TimerHandle | None = None

    def schedule_ping(self) -> None:
        """The library's ping cycle on a timer callback, not a task sleeping per console.

        The timer holds the socket (its bound `_ping_due`): `close` cancels it, so a closed
        socket is freed at once rather than when its next ping would have been due.
        """
        if self.last_ping and not (self.closing or self.closed):  # a late PONG: no new timer
            self.last_ping = None
            self.ping_timer = asyncio.get_running_loop().call_later(
                self.server.ping_interval, self._ping_due
            )

    def _ping_due(self) -> None:
        self.ping_timer = None
        if self.closing or self.closed:
            return
        self.last_ping = time.time()
        if self.queue.empty() and write_now(self, PING_FRAME):
            return
        self.queue.put_nowait(eio_packet.Packet(eio_packet.PING))

    async def _websocket_handler(self, ws: Any) -> Any:
        """The library's websocket loop, with the reader awaiting directly (no task per
        message) and the connection exposed to the fan-out."""
        if self.connected:  # an upgrade from long-polling: the library's own path
            return await super()._websocket_handler(ws)
        self.connected = True
        self.upgraded = True
        self.wire = uvicorn_wire(ws)
        writer_task = asyncio.ensure_future(self._write_loop(ws))
        try:
            await self._read_loop(ws)
        except TimeoutError:  # nothing from the client for ping_interval + ping_timeout
            pass
        finally:
            self.wire = None
            self.queue.put_nowait(None)  # unlock the writer task so it can exit
            await writer_task
            await self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)

    async def _write_loop(self, ws: Any) -> None:
        while True:
            try:
                packets = await self.poll()
            except eio_exceptions.QueueEmpty:
                break
            if not packets:  # the connection is closing
                break
            try:
                for pkt in packets:
                    await ws.send(pkt.encode())
            except Exception:  # the library's writer also stops on any send failure
                break
        await ws.close()

    async def _read_loop(self, ws: Any) -> None:
        limit = self.server.max_http_buffer_size
        wait_s = self.server.ping_interval + self.server.ping_timeout
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as deadline:
            while True:
                deadline.reschedule(loop.time() + wait_s)
                try:
                    data = await ws.wait()
                except Exception:  # closed by the client, or a timeout: the session ends
                    return
                if not data:
                    return
                if len(data) > limit:
                    self.server.logger.info("%s: packet is too large", self.sid)
                    return
                try:
                    await self.receive(eio_packet.Packet(encoded_packet=data))
                except eio_exceptions.UnknownPacketError:
                    pass
                except eio_exceptions.SocketIsClosedError:
                    self.server.logger.info("Receive error -- socket is closed")
                    return
                except Exception:
                    self.server.logger.exception("Unknown receive error")

    async def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        """Close the session; a websocket's writer is woken to close the connection too."""
        first = not self.closed and not self.closing
        if self.ping_timer is not None:
            self.ping_timer.cancel()
            self.ping_timer = None
        await super().close(wait=wait, abort=abort, reason=reason)
        if first and self.upgraded:
            self.queue.put_nowait(None)  # after any CLOSE packet: the writer sends it, then ends

    async def poll(self) -> list[eio_packet.Packet]:
        """The library's `poll`; no timeout for the websocket writer, a cheaper one for polls."""
        self.writing = False  # the writer is back: what it took before has been written
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
        self.writing = True
        return packets


def install_lean_sockets(eio: engineio.AsyncServer) -> None:
    """Make every new Engine.IO socket a `LeanSocket`, before its writer starts.

    Engine.IO builds its sockets itself; its `connect` event runs after the socket exists
    and before any transport loop reads `poll`, so the class is switched there. LeanSocket
    only overrides a method, so the switch changes no state.
    """
    inner_connect = eio.handlers["connect"]
    eio.create_queue = lambda *args, **kwargs: LeanQueue()
    install_lean_environ(eio)

    async def connect(eio_sid: str, environ: dict[str, Any], *args: Any) -> Any:
        socket = eio.sockets.get(eio_sid)
        if type(socket) is async_socket.AsyncSocket and type(socket.queue) is LeanQueue:
            socket.__class__ = LeanSocket  # _deliver relies on the LeanQueue
        return await inner_connect(eio_sid, environ, *args)

    eio.on("connect", connect)
