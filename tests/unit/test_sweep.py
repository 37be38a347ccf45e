"""`hub.realtime.sweep`: python-engineio's socket sweep, holding no socket between rounds.

A real python-engineio server and its own sockets, no network: the sweep reads and closes
them as the library's does.
"""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from typing import Any

import engineio
from engineio.async_socket import AsyncSocket

from hub.realtime.sweep import BATCH, install_sweep, run_sweep, sweep_once

PING_TIMEOUT = 20


def engine(disconnected: list[tuple[str, Any]] | None = None) -> engineio.AsyncServer:
    eio = engineio.AsyncServer(async_mode="asgi", ping_interval=20, ping_timeout=PING_TIMEOUT)

    async def disconnect(sid: str, reason: Any) -> None:
        if disconnected is not None:
            disconnected.append((sid, reason))

    eio.on("disconnect", disconnect)
    return eio


def add(eio: engineio.AsyncServer, sid: str) -> AsyncSocket:
    socket = AsyncSocket(eio, sid)
    eio.sockets[sid] = socket
    return socket


async def test_a_round_drops_the_closed_sockets_and_keeps_the_others() -> None:
    eio = engine()
    sids = [f"s{n}" for n in range(2 * BATCH + 7)]  # more than one batch between yields
    for n, sid in enumerate(sids):
        socket = add(eio, sid)
        if n % 2:
            await socket.close(wait=False, abort=True)
    assert await sweep_once(eio) == (len(sids) // 2, 0)
    assert list(eio.sockets) == sids[::2]
    assert await sweep_once(eio) == (0, 0)


async def test_a_socket_whose_ping_went_unanswered_is_closed_as_the_library_closes_it() -> None:
    disconnected: list[tuple[str, Any]] = []
    eio = engine(disconnected)
    gone, answering, new = add(eio, "gone"), add(eio, "answering"), add(eio, "new")
    gone.last_ping = time.time() - PING_TIMEOUT - 1  # pinged, no PONG for too long
    answering.last_ping = time.time() - 1  # pinged a second ago
    new.last_ping = None  # answered: its next ping is not due yet
    assert await sweep_once(eio) == (0, 1)
    assert disconnected == [("gone", eio.reason.PING_TIMEOUT)]
    assert gone.closed and not answering.closed and not new.closed
    assert await sweep_once(eio) == (1, 0)  # the next round drops it
    assert set(eio.sockets) == {"answering", "new"}


async def test_between_rounds_the_sweep_holds_no_socket() -> None:
    """python-engineio's sweep walks a copy of every socket over a whole ping_timeout:
    sockets that close meanwhile stay alive until it has been round."""
    eio = engine()
    await add(eio, "marker").close(wait=False, abort=True)
    for n in range(10):
        add(eio, f"s{n}")
    refs = [weakref.ref(s) for s in eio.sockets.values()]
    stop = asyncio.Event()
    gc.collect()
    gc.disable()  # as in the served hub, where the cyclic collector seldom runs in full
    try:
        task = asyncio.create_task(run_sweep(eio, stop, every=3600))
        for _ in range(1000):  # event-loop steps, not time: the first round is immediate
            if "marker" not in eio.sockets:  # dropped by the first round, now over
                break
            await asyncio.sleep(0)
        assert not task.done()  # waiting for its next round, an hour away
        for sid in list(eio.sockets):  # they close, and leave as their handlers take them out
            await eio.sockets.pop(sid).close(wait=False, abort=True)
        assert [r for r in refs if r() is not None] == []
        stop.set()
        await asyncio.wait_for(task, 10)
    finally:
        gc.enable()


async def test_installed_the_librarys_sweep_never_starts_and_ours_starts_on_a_connection() -> None:
    eio = engine()
    install_sweep(eio, every=3600)
    assert eio.start_service_task is False and eio.service_task_handle is None
    await eio.handlers["connect"]("s1", {})  # what python-engineio calls on a handshake
    task = eio.service_task_handle
    assert task is not None and not task.done()
    await eio.shutdown()  # python-engineio's own stop: sets the event, awaits the task
    assert task.done() and eio.service_task_handle is None
