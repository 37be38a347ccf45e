"""Engine.IO's socket sweep, without holding every socket between its rounds.

python-engineio's `AsyncServer._service_task` (4.15) walks a *copy* of its `sockets` dict,
one socket every `ping_timeout / len(sockets)` seconds: each round takes `ping_timeout`
(20 s here), and for all of it the copy (and the loop variable) keeps every socket that was
there when the round began alive, closed or not. Under reconnection churn that is every
closed console of the last 20 s, with what it holds, and the survivors age into the
collector's older generations (the served hub collects those rarely: `hub.app.tune_gc`).

This sweep does the same work, the same way round after round:

* it drops closed sockets from `eio.sockets` (a long-polling client that left, whose
  next poll never came);
* it closes, as the library does (`check_ping_timeout`: the `disconnect` event with
  reason `PING_TIMEOUT`; a websocket's writer is woken to end the connection), sockets
  whose last ping has gone unanswered for longer than `ping_timeout`. The fan-out
  (`hub.realtime.fanout`) closes stale sockets it is about to write to, and a
  websocket's reader gives up after `ping_interval + ping_timeout` of silence; this is
  what ends a long-polling socket whose client vanished, and a console nobody writes to.

But a round holds only the sids (strings the dict holds anyway), looks each socket up
when it reaches it, and runs through them at once (yielding to the loop every
`BATCH` sockets: 5,000 sockets take a few milliseconds), then waits `every` seconds
(`ping_timeout` by default: each socket is looked at once per `ping_timeout`, as in the
library) holding nothing.

`install_sweep` turns the library's task off (`start_service_task`) and starts this one
with the first connection, as the library starts its own; `eio.shutdown()` stops it
(it sets `service_task_event` and awaits `service_task_handle`, which this sets).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import engineio

BATCH = 500  # sockets looked at between two yields to the event loop
log = logging.getLogger(__name__)


async def sweep_once(eio: engineio.AsyncServer) -> tuple[int, int]:
    """One round over `eio.sockets`: (closed sockets dropped, stale sockets closed)."""
    sockets = eio.sockets
    ping_timeout = eio.ping_timeout
    dropped = closed = 0
    for n, sid in enumerate(list(sockets), 1):
        socket = sockets.get(sid)
        if socket is not None:
            if socket.closed:
                del sockets[sid]
                dropped += 1
            elif not socket.closing:
                last_ping = socket.last_ping
                if last_ping and time.time() - last_ping > ping_timeout:
                    await socket.check_ping_timeout()  # closes it, as the library's sweep
                    closed += 1
            socket = None  # hold no socket across the yield below
        if n % BATCH == 0:
            await asyncio.sleep(0)
    return dropped, closed


async def run_sweep(eio: engineio.AsyncServer, stop: asyncio.Event, every: float) -> None:
    """`sweep_once` every `every` seconds until `stop` is set (or the task is cancelled)."""
    while not stop.is_set():
        try:
            await sweep_once(eio)
        except Exception:  # the sweep must outlive one bad socket, as the library's does
            log.exception("socket sweep failed")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await stop.wait()


def install_sweep(eio: engineio.AsyncServer, every: float | None = None) -> None:
    """Replace the library's sweep of `eio` by `run_sweep`, started by the first connection."""
    eio.start_service_task = False
    inner_connect = eio.handlers.get("connect")
    period = eio.ping_timeout if every is None else every

    async def connect(eio_sid: str, environ: dict[str, Any], *args: Any) -> Any:
        if eio.service_task_handle is None:
            stop = asyncio.Event()
            eio.service_task_event = stop
            eio.service_task_handle = asyncio.ensure_future(run_sweep(eio, stop, period))
        return None if inner_connect is None else await inner_connect(eio_sid, environ, *args)

    eio.on("connect", connect)
