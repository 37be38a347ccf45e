"""The hub's cheaper fan-out (hub.realtime.fanout) delivers what python-socketio would.

A real uvicorn server in this process, the hub's manager and sockets, real socket.io
clients over websocket and long-polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio
import uvicorn
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from hub.ports import Event
from hub.realtime.fanout import FanoutManager, LeanSocket, install_lean_sockets
from hub.realtime.publisher import emit_staff_event
from hub.realtime.sweep import install_sweep, run_sweep
from hub.realtime.wire import LeanWebSocketProtocol
from hub.store.sqlite import SqliteStore

WAIT = 10.0  # seconds: an upper bound for conditions that hold within milliseconds


@dataclass
class Server:
    sio: socketio.AsyncServer
    url: str
    disconnected: list[str] = field(default_factory=list)


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    """Wait for `condition` (polling the event loop), failing with `what` after `within` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    """The hub's socket.io server (`hub.realtime.server.build_sio`'s parts) under uvicorn.

    Pinging every 5 s, or as `@pytest.mark.parametrize("server", [S], indirect=True)` says.
    """
    ping = getattr(request, "param", 5)
    sio = socketio.AsyncServer(
        async_mode="asgi", client_manager=FanoutManager(), ping_interval=ping, ping_timeout=ping
    )
    install_lean_sockets(sio.eio)
    install_sweep(sio.eio)
    served = Server(sio, "")

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        for room in str((auth or {}).get("room", "lobby")).split():
            await sio.enter_room(sid, room, namespace="/staff")

    async def disconnect(sid: str, reason: Any = None) -> None:
        served.disconnected.append(sid)

    sio.on("connect", connect, namespace="/staff")
    sio.on("disconnect", disconnect, namespace="/staff")

    config = uvicorn.Config(
        socketio.ASGIApp(sio),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws=LeanWebSocketProtocol,  # as hub/serve.py serves it
        ws_ping_interval=None,
        lifespan="off",
    )
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve())
    await until(lambda: uv.started, "uvicorn to start")
    port = uv.servers[0].sockets[0].getsockname()[1]
    served.url = f"http://127.0.0.1:{port}"
    try:
        yield served
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, WAIT)


@dataclass
class Client:
    sio: socketio.AsyncClient
    got: list[Any] = field(default_factory=list)


@pytest.fixture
async def connect(server: Server) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    clients: list[Client] = []

    async def open_client(room: str = "lobby", transport: str = "websocket") -> Client:
        client = Client(socketio.AsyncClient(reconnection=False))
        client.sio.on("tick", client.got.append, namespace="/staff")
        await client.sio.connect(
            server.url,
            namespaces=["/staff"],
            transports=[transport],
            auth={"room": room},
            wait_timeout=WAIT,
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.sio.disconnect()


async def test_every_console_in_the_room_gets_every_event_once_and_in_order(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    room = [await connect("tenant:a") for _ in range(20)]
    other = await connect("tenant:b")
    for n in range(50):
        await server.sio.emit("tick", {"n": n}, room="tenant:a", namespace="/staff")
    await until(lambda: all(len(c.got) >= 50 for c in room), "50 events on every console")
    await server.sio.emit("tick", {"n": "b"}, room="tenant:b", namespace="/staff")
    await until(lambda: len(other.got) == 1, "the other room's event")
    assert all(c.got == [{"n": n} for n in range(50)] for c in room)
    assert other.got == [{"n": "b"}]  # nothing of tenant:a's


async def test_skip_sid_and_tuple_arguments_behave_as_in_python_socketio(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    a, b = await connect("r"), await connect("r")
    pairs: list[tuple[Any, Any]] = []
    b.sio.on("pair", lambda x, y: pairs.append((x, y)), namespace="/staff")
    await server.sio.emit(
        "tick", "not a", room="r", skip_sid=a.sio.get_sid("/staff"), namespace="/staff"
    )
    await server.sio.emit("pair", (1, "two"), room="r", namespace="/staff")
    await until(lambda: b.got == ["not a"] and pairs == [(1, "two")], "b's events")
    await server.sio.emit("tick", "to a", to=a.sio.get_sid("/staff"), namespace="/staff")
    await until(lambda: a.got == ["to a"], "a's own event")
    assert b.got == ["not a"]


async def test_long_polling_clients_get_events_too(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    polling = await connect("r", transport="polling")
    socket = next(iter(server.sio.eio.sockets.values()))
    assert isinstance(socket, LeanSocket) and not socket.upgraded
    for n in range(5):
        await server.sio.emit("tick", n, room="r", namespace="/staff")
    await until(lambda: polling.got == [0, 1, 2, 3, 4], "five events over long-polling")
    # The server ends it: its CLOSE answers the pending poll (a client-side disconnect
    # would leave that poll open until its timeout, as in python-engineio).
    await server.sio.eio.disconnect(socket.sid)
    await until(lambda: not polling.sio.connected, "the polling client to see the close")


async def test_an_acknowledged_emit_still_gets_its_answer(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    client = await connect("r")
    client.sio.on("ask", lambda question: f"yes to {question}", namespace="/staff")
    answer = await server.sio.call(
        "ask", "ping?", to=client.sio.get_sid("/staff"), namespace="/staff", timeout=WAIT
    )
    assert answer == "yes to ping?"


async def test_a_console_past_its_ping_deadline_is_closed_and_the_others_still_hear(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    alive, silent = await connect("r"), await connect("r")
    silent_sid = silent.sio.get_sid("/staff")
    eio_sid = server.sio.manager.eio_sid_from_sid(silent_sid, "/staff")
    # As if it had not answered the last ping for longer than ping_timeout.
    server.sio.eio.sockets[eio_sid].last_ping = time.time() - 60
    await server.sio.emit("tick", "after", room="r", namespace="/staff")
    await until(lambda: alive.got == ["after"], "the live console's event")
    await until(lambda: silent_sid in server.disconnected, "the silent console's disconnect")
    assert silent.got == []


async def test_a_closed_console_leaves_no_socket_and_no_writer_behind(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    client = await connect("r")
    assert all(isinstance(s, LeanSocket) for s in server.sio.eio.sockets.values())

    writers = websocket_writers
    assert len(writers()) == 1
    await client.sio.disconnect()
    await until(lambda: not server.sio.eio.sockets, "the server to drop the socket")
    await until(lambda: not writers(), "the websocket writer task to end")
    await server.sio.emit("tick", "to nobody", room="r", namespace="/staff")  # no error


def websocket_writers() -> list[asyncio.Task[Any]]:
    names = ("_websocket_handler.<locals>.writer", "LeanSocket._write_loop")
    return [t for t in asyncio.all_tasks() if any(n in repr(t.get_coro()) for n in names)]


async def test_a_session_the_server_ends_is_cut_off_even_if_the_client_keeps_talking(
    server: Server,
) -> None:
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with ws_connect(url) as ws:
        opened = await ws.recv()
        assert isinstance(opened, str) and opened.startswith("0")
        await ws.send('40/staff,{"room": "r"}')
        assert str(await ws.recv()).startswith("40/staff,")

        async def chatter() -> None:  # a broken (or hostile) client: ignores CLOSE, talks on
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await ws.send('42/staff,["noise"]')
                    await asyncio.sleep(0.05)

        talking = asyncio.create_task(chatter())
        try:
            await server.sio.eio.disconnect(json.loads(opened[1:])["sid"])
            # python-engineio's own writer would only give up after ping_interval +
            # ping_timeout (10 s here); the connection must end now.
            await until(lambda: ws.close_code is not None, "the server to close it", within=3)
            await until(lambda: not websocket_writers(), "the writer task to end", within=3)
        finally:
            talking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await talking


async def test_when_the_filter_settings_cannot_be_read_the_event_still_goes_out_masked(
    server: Server, connect: Callable[..., Awaitable[Client]], tmp_path: Path
) -> None:
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    await store.close()  # every read now fails, as in a store outage
    agent = await connect("tenant:t1 agents:t1")
    lead = await connect("tenant:t1 leads:t1")
    for c in (agent, lead):
        c.sio.on("ticket.created", c.got.append, namespace="/staff")
    ticket = {"id": "k1", "number": 1, "text": "El camarero es un gilipollas"}
    event = Event("t1", 7, "ticket.created", "k1", ticket, None)
    await emit_staff_event(server.sio, store, event)
    await until(lambda: bool(agent.got and lead.got), "the event on both consoles")
    assert agent.got == [
        {**ticket, "text": "El camarero es un g*********", "seq": 7, "translations": None}
    ]
    assert lead.got == [{**ticket, "seq": 7}]


async def test_the_shared_frame_goes_straight_to_idle_websockets(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    room = [await connect("r") for _ in range(3)]
    sockets = list(server.sio.eio.sockets.values())
    assert all(isinstance(s, LeanSocket) and s.wire is not None for s in sockets)
    await server.sio.emit("tick", "direct", room="r", namespace="/staff")
    # written during the emit: nothing left waiting for a writer task
    assert all(s.queue.empty() for s in sockets)
    await until(lambda: all(c.got == ["direct"] for c in room), "the event on every console")


async def test_a_frame_never_overtakes_packets_already_queued(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    paused, free = await connect("r"), await connect("r")
    eio_sid = server.sio.manager.eio_sid_from_sid(paused.sio.get_sid("/staff"), "/staff")
    wire = server.sio.eio.sockets[eio_sid].wire
    assert wire is not None
    wire.writable.clear()  # as under back-pressure: the writer holds what it took
    for n in range(3):
        await server.sio.emit("tick", n, room="r", namespace="/staff")
    await until(lambda: free.got == [0, 1, 2], "the free console's events")
    assert paused.got == []
    wire.writable.set()
    for n in range(3, 6):
        await server.sio.emit("tick", n, room="r", namespace="/staff")
    await until(lambda: len(paused.got) == 6, "the paused console's six events")
    assert paused.got == free.got == [0, 1, 2, 3, 4, 5]


async def test_a_disconnect_leaves_the_consoles_own_rooms_without_scanning_every_room(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    """python-socketio scans every room of the namespace per disconnect: with thousands of
    consoles a restart's disconnects held the event loop past the shutdown grace
    (bench/shape_restart.py). The manager keeps each console's rooms instead."""
    a = await connect("tenant:a user:1")
    b = await connect("tenant:a user:2")
    manager = server.sio.manager
    sid_a, sid_b = a.sio.get_sid("/staff"), b.sio.get_sid("/staff")
    assert set(manager.get_rooms(sid_a, "/staff")) == {"tenant:a", "user:1", sid_a}

    class NoScan(dict[Any, Any]):
        def copy(self) -> Any:
            raise AssertionError("a disconnect scanned every room of the namespace")

        def items(self) -> Any:
            raise AssertionError("a disconnect scanned every room of the namespace")

    manager.rooms["/staff"] = NoScan(manager.rooms["/staff"])
    await a.sio.disconnect()
    rooms = manager.rooms["/staff"]
    await until(lambda: "user:1" not in rooms and sid_a not in rooms, "a's rooms left")
    assert dict(rooms["tenant:a"]) == {sid_b: b.sio.eio.sid}
    assert sid_a not in rooms[None] and sid_b in rooms[None]
    await server.sio.emit("tick", {"n": 1}, room="tenant:a", namespace="/staff")
    await until(lambda: b.got == [{"n": 1}], "b still gets the tenant's events")


@contextlib.contextmanager
def no_cyclic_collector() -> Iterator[None]:
    """As the served hub runs: its collector seldom gets to the older generations
    (`hub.app.tune_gc`), so what only the cyclic collector frees piles up there."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("server", [60], indirect=True)  # pings far apart: nothing due soon
async def test_a_console_that_leaves_is_freed_at_once_without_the_cyclic_collector(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    """The soak's memory drift (bench/README.md): closed connections stayed alive, held by
    websockets' parser (a reference cycle), the pending ping timer, and python-engineio's
    sweep (a copy of every socket, kept for a whole ping_timeout)."""
    with no_cyclic_collector():
        clients = [await connect("r") for _ in range(20)]
        sockets = list(server.sio.eio.sockets.values())
        assert len(sockets) == 20 and all(isinstance(s, LeanSocket) for s in sockets)
        wires = [s.wire for s in sockets]
        assert all(w is not None for w in wires)
        alive = {
            "Engine.IO socket": [weakref.ref(s) for s in sockets],
            "uvicorn websocket protocol": [weakref.ref(w) for w in wires],
            "websockets ServerProtocol": [weakref.ref(w.conn) for w in wires if w is not None],
        }
        del sockets, wires
        for client in clients:
            await client.sio.disconnect()
        await until(lambda: not server.sio.eio.sockets, "the server to drop the sockets")
        await until(lambda: not websocket_writers(), "the websocket writers to end")

        def left() -> dict[str, int]:
            return {k: n for k, refs in alive.items() if (n := sum(r() is not None for r in refs))}

        try:
            await until(lambda: not left(), "every closed connection's objects to be freed")
        except AssertionError:
            raise AssertionError(f"still alive after the consoles left: {left()}") from None


async def test_a_closed_consoles_ping_timer_is_cancelled(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    client = await connect("r")
    socket = next(iter(server.sio.eio.sockets.values()))
    assert isinstance(socket, LeanSocket)
    timer = socket.ping_timer
    assert timer is not None and not timer.cancelled()  # the next ping, due in 5 s
    await client.sio.disconnect()
    await until(lambda: socket.closed, "the server to close the socket")
    assert timer.cancelled() and socket.ping_timer is None


async def test_the_hubs_sweep_runs_in_place_of_python_engineios_and_stops_on_shutdown(
    server: Server, connect: Callable[..., Awaitable[Client]]
) -> None:
    eio = server.sio.eio
    assert eio.service_task_handle is None  # started by the first connection, as the library's
    await connect("r")
    task = eio.service_task_handle
    assert task is not None and not task.done()
    assert task.get_coro().__qualname__ == run_sweep.__qualname__
    assert not [t for t in asyncio.all_tasks() if "_service_task" in repr(t.get_coro())]
    await eio.shutdown()
    await until(task.done, "the sweep to stop")
