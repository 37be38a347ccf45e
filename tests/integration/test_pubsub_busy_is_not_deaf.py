"""The pub/sub listener does not call itself deaf while it waits for its own resync.

A resync after a gap replays from the store inside the listener; on a busy store that takes
longer than three canaries. Taking that silence for deafness resynced every console again
and again (bench/faults/redis_outage.py). Real Redis (the shared server, a channel of this
test's own), the hub's manager under a real socket.io server.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import socketio
from redis import asyncio as aioredis

from hub.realtime.pubsub import HubRedisManager

REDIS_URL = "redis://127.0.0.1:6379/0"
WAIT = 10.0
CANARY = 0.05  # seconds: deaf after 3 of them without a word


async def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_a_long_resync_in_the_listener_is_not_taken_for_deafness() -> None:
    channel = f"sos-hub-test-{uuid.uuid4().hex}"
    manager = HubRedisManager(
        REDIS_URL, channel=channel, canary_interval=CANARY, resync_interval=CANARY * 2
    )
    socketio.AsyncServer(async_mode="asgi", client_manager=manager)
    reasons: list[str] = []
    release = asyncio.Event()

    async def on_resync(reason: str, since: float) -> None:
        reasons.append(reason)
        if reason == "peer":
            await release.wait()  # a replay waiting for a busy store

    manager.on_resync = on_resync
    redis = aioredis.Redis.from_url(REDIS_URL)
    watcher = redis.pubsub(ignore_subscribe_messages=True)
    await watcher.subscribe(channel)
    before = asyncio.all_tasks()
    manager.initialize()  # the listener and the watchdog
    try:

        async def subscribers() -> int:
            return int((await redis.pubsub_numsub(channel))[0][1])

        deadline = time.monotonic() + WAIT
        while await subscribers() < 2:  # the watcher and the manager
            assert time.monotonic() < deadline, "the manager never subscribed"
            await asyncio.sleep(0.01)
        heal = {"method": "hub", "op": "heal", "host_id": "another", "since": time.time()}
        await redis.publish(channel, json.dumps(heal))
        await until(lambda: "peer" in reasons, "the resync the other instance asked for")
        canaries = 0
        deadline = time.monotonic() + WAIT
        while canaries < 12:  # four times the silence after which it would be deaf
            assert time.monotonic() < deadline, "the watchdog stopped sending canaries"
            message = await watcher.get_message(timeout=CANARY)
            if message is None:  # nothing yet (or the subscription's own confirmation)
                continue
            data = json.loads(message["data"])
            canaries += data.get("op") == "canary" and data.get("host_id") == manager.host_id
        assert "deaf" not in reasons
        assert not manager.deaf
        release.set()
        # and it still hears: a message published now reaches it
        await until(lambda: time.monotonic() - manager.last_heard < CANARY * 2, "a canary heard")
        assert reasons == ["peer"]
    finally:
        release.set()
        for task in asyncio.all_tasks() - before:
            task.cancel()
        await asyncio.gather(*(asyncio.all_tasks() - before), return_exceptions=True)
        listening = getattr(manager, "pubsub", None)  # the listener's own connection
        if listening is not None:
            await listening.aclose()
            await listening.connection_pool.disconnect()
        # typed in redis-py 8, untyped before: either way one call
        await cast(Any, watcher).aclose()
        await manager.close()
        await redis.aclose()
