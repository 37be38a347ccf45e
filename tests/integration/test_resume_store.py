"""A console's `resume` that meets a store unable to answer is asked again, never left hanging.

Found by bench/shape_replay.py: 100 consoles resuming 1,000 events at once kept the event
loop so busy that the store's reads passed their deadline; each failed replay ended
without `resume.done`, and its console waited for ever, missing what it had asked for.

A real hub in this process (uvicorn, the hub's websocket protocol), its real SQLite store
with a short deadline, and a real socket.io client that resumes on `resync` as the web
console does (static/js/console-live.js).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import socketio
import uvicorn

from hub.app import Hub
from hub.realtime.wire import LeanWebSocketProtocol
from hub.settings import Settings
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded
from tests.integration.realtime_clients import Console
from tests.kit import send_sos

WAIT = 15.0  # seconds: a bound for what happens within a few


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short wait for the store: a read stuck behind this instance's store lock fails soon."""
    return dataclasses.replace(settings, store_timeout=0.05)


@pytest.fixture
async def url(hub: Hub) -> AsyncIterator[str]:
    """The started hub served over HTTP on a free loopback port, as hub/serve.py serves it."""
    config = uvicorn.Config(
        hub.asgi,
        host="127.0.0.1",
        port=0,
        lifespan="off",  # the `hub` fixture has started it
        ws=LeanWebSocketProtocol,
        ws_ping_interval=None,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # ends when it starts, or raises when it fails
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


async def test_a_resume_the_store_cannot_serve_is_asked_again_and_then_replays_everything(
    hub: Hub, client: Any, acme: Seeded, url: str
) -> None:
    sent = []
    for text in ("The lift is stuck", "Water on the floor", "No hot water in room 12"):
        r = await send_sos(client, acme, text)
        assert r.status_code == 201, await r.get_data(as_text=True)
        sent.append((await r.get_json())["id"])
    console = Console(
        url,
        auth={"token": acme.tokens["agent"]},
        headers={"Origin": hub.settings.public_origin},
        auto_resume=False,
    )
    await console.connect()
    try:
        store = hub.store
        assert isinstance(store, SqliteStore)
        # A long write holds this instance's store while the console resumes: the replay's
        # first read passes its deadline (StoreUnavailable).
        async with store._lock:
            await console.resume(0)
            await console.wait_for(
                lambda: "resync" in console.names(), WAIT, "a resync asking to resume again"
            )
        assert "resume.done" not in console.names()
        assert console.events("resync")[-1] == {"reason": "store"}

        await console.resume()  # what the web console does on `resync`
        await console.wait_for(lambda: "resume.done" in console.names(), WAIT, "resume.done")
        created = [e["id"] for e in console.events("ticket.created")]
        assert created == sent
        assert console.duplicates == 0
    finally:
        await console.close()


async def test_a_handshake_the_store_cannot_check_is_refused_as_unavailable_not_unauthorized(
    hub: Hub, acme: Seeded, url: str
) -> None:
    console = Console(
        url, auth={"token": acme.tokens["agent"]}, headers={"Origin": hub.settings.public_origin}
    )
    store = hub.store
    assert isinstance(store, SqliteStore)
    try:
        async with store._lock:  # a long write holds this instance's store
            with pytest.raises(socketio.exceptions.ConnectionError):
                await console.connect()
        # what the web console reads as `error.message` (it goes to log in on "unauthorized")
        assert console.connect_errors == [{"message": "unavailable"}]
        again = Console(
            url,
            auth={"token": acme.tokens["agent"]},
            headers={"Origin": hub.settings.public_origin},
        )
        await again.connect()  # the store answers again: admitted
        assert again.connected
        await again.close()
    finally:
        await console.close()
