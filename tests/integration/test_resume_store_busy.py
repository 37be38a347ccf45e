"""A console's `resume`, and an instance's catch-up replay, that meet a busy store are
answered once the store can answer.

Found by bench/faults/instance_kill.py: 2,500 consoles moving to one instance at once kept
its SQLite connection busy past the store timeout, so some `resume` handlers failed with
StoreUnavailable; those consoles never got what they had missed, nor `resume.done`.

A real uvicorn server in this process serves the hub; the store's connection is held (as a
long queue of transactions holds it) while the console resumes, then let go.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
import socketio
import uvicorn

from hub.container import Hub
from hub.realtime.server import replay_to_local_consoles
from hub.realtime.wire import LeanWebSocketProtocol
from hub.settings import Settings
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded
from tests.integration.realtime_clients import Console
from tests.kit import send_sos

WAIT = 10.0  # seconds: a bound for conditions that hold well within it


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short store timeout, so a held connection fails a read quickly."""
    return dataclasses.replace(settings, store_timeout=0.2)


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def busy(store: SqliteStore) -> AsyncIterator[asyncio.Lock]:
    """The store busy: its connection held (as a long queue of transactions holds it), and
    the event loop's reader meeting a busy file, so that its reads go to that connection
    (`SqliteStore._inline` hands them over) and wait there."""
    lock, reader = store._lock, store._reader
    await lock.acquire()
    store._reader = None
    try:
        yield lock
    finally:
        store._reader = reader
        lock.release()


@pytest.fixture
async def url(hub: Hub) -> AsyncIterator[str]:
    """The hub (store already open by the `hub` fixture) under uvicorn, as hub/serve.py runs it."""
    config = uvicorn.Config(
        hub.asgi,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws=LeanWebSocketProtocol,
        ws_ping_interval=None,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started, "uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


async def test_a_resume_that_meets_a_busy_store_replays_everything_when_the_store_answers(
    hub: Hub, acme: Seeded, client: object, url: str
) -> None:
    ids = []
    for text in ("The lift is stuck", "No hot water in room twelve"):
        r = await send_sos(client, acme, text)
        assert r.status_code == 201
        ids.append((await r.get_json())["id"])
    console = Console(url, auth={"token": acme.tokens["agent"]})
    await console.connect()
    try:
        store = hub.store
        assert isinstance(store, SqliteStore)
        async with busy(store) as lock:
            await console.resume(0)

            def waiters() -> int:
                return len(lock._waiters or ())

            await until(lambda: waiters() > 0, "the resume to wait for the store")
            # the store gives up on it (timeout + its backstop): StoreUnavailable
            await until(lambda: waiters() == 0, "the resume's read to give up")
        await console.wait_for(
            lambda: "resume.done" in console.names(), WAIT, "resume.done once the store answers"
        )
        created = [e["id"] for e in console.events("ticket.created")]
        assert created == ids
    finally:
        await console.close()


async def test_a_catch_up_replay_that_meets_a_busy_store_is_replayed_when_the_store_answers(
    hub: Hub, acme: Seeded, client: object, url: str
) -> None:
    """After a pub/sub gap an instance replays to its consoles what they may have missed: a
    console that saw a newer event meanwhile would never ask for the older ones itself."""
    console = Console(url, auth={"token": acme.tokens["agent"]})
    await console.connect()
    try:
        r = await send_sos(client, acme, "The lift is stuck")
        assert r.status_code == 201
        sos_id = (await r.get_json())["id"]
        await console.wait_for(lambda: bool(console.events("ticket.created")), WAIT, "the SOS live")
        console.received.clear()  # as if it had been missed during the gap
        store = hub.store
        assert isinstance(store, SqliteStore)
        async with busy(store) as lock:
            replay = asyncio.create_task(replay_to_local_consoles(hub.sio, store, since=0))

            def waiters() -> int:
                return len(lock._waiters or ())

            await until(lambda: waiters() > 0, "the replay to wait for the store")
            await until(lambda: waiters() == 0, "the replay's read to give up")
            await asyncio.wait_for(replay, WAIT)  # the other tenants are not kept waiting
        await console.wait_for(
            lambda: bool(console.events("ticket.created")),
            WAIT,
            "the replay once the store answers",
        )
        assert [e["id"] for e in console.events("ticket.created")] == [sos_id]
    finally:
        await console.close()


async def test_a_console_that_connects_while_the_store_is_busy_is_told_unavailable_not_unauthorized(
    hub: Hub, acme: Seeded, url: str
) -> None:
    """ "unauthorized" sends the browser to the login page; a busy store is no reason to."""
    store = hub.store
    assert isinstance(store, SqliteStore)
    console = Console(url, auth={"token": acme.tokens["agent"]})
    try:
        async with busy(store):
            with pytest.raises(socketio.exceptions.ConnectionError):
                await console.connect()
    finally:
        await console.close()
    assert [e.get("message") for e in console.connect_errors] == ["unavailable"]
    again = Console(url, auth={"token": acme.tokens["agent"]})
    try:
        await again.connect()  # and once the store answers, the same token is let in
        assert again.connected
    finally:
        await again.close()
