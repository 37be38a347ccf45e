"""A Redis client manager that knows when it has gone deaf, says so, and heals the gap.

Redis pub/sub drops what it cannot deliver, and python-socketio's listener re-subscribes
with a backoff that grows to a minute. This manager caps that backoff, publishes a canary
every `canary_interval` seconds and watches for anything at all arriving on the channel
(its own canary included). The listener is deaf when its connection is lost or nothing
arrives for `3 * canary_interval`: then the hub asks its local clients to `resync` (again
every `resync_interval` while it lasts), and on recovery — before any newer message is
delivered — it resyncs once more and replays from the store what may have been missed.

A publish that fails is not retried later: the store has the event. Instead, the first
successful publish after a failure is preceded by a `heal` control message, so the other
instances replay what they may have missed from this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import TimeoutError as RedisTimeoutError

from hub.realtime.fanout import FanoutManager

log = logging.getLogger(__name__)

# reason ("deaf", "recovered", "peer") and the wall-clock time since which messages may
# have been lost.
Resync = Callable[[str, float], Awaitable[None]]

CONTROL = "hub"  # the `method` of this manager's own messages; the library ignores it
_CONTROL_PREFIX = b'{"method": "hub"'
REDIS_OPTIONS: dict[str, Any] = {
    # Fail fast: a request must not wait on Redis (the store already has the event).
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,  # a publish takes well under a millisecond when Redis is well
    "retry": Retry(NoBackoff(), 0),
}


class HubRedisManager(socketio.AsyncRedisManager, FanoutManager):  # type: ignore[misc]
    """AsyncRedisManager plus a canary, a capped re-subscribe backoff and gap healing.

    FanoutManager comes after the Redis classes: what they deliver locally goes through its
    cheaper `emit`.
    """

    max_retry_sleep = 2.0
    first_retry_sleep = 0.25

    def __init__(
        self,
        url: str,
        *,
        channel: str = "sos-hub",
        canary_interval: float = 1.0,
        resync_interval: float = 2.0,
        write_only: bool = False,
        redis_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            url,
            channel=channel,
            write_only=write_only,
            redis_options={**REDIS_OPTIONS, **(redis_options or {})},
        )
        self.canary_interval = canary_interval
        self.resync_interval = resync_interval
        self.on_resync: Resync | None = None
        self.last_heard = time.monotonic()
        self.last_heard_wall = time.time()
        self.deaf = False
        self._deaf_since_wall = 0.0
        self._last_resync = 0.0
        self._resyncing = 0  # resyncs running: the listener waits for them, it is not deaf
        self._pub: aioredis.Redis | None = None
        self._publish_down_since: float | None = None  # monotonic, for the circuit breaker
        self._publish_lost_since: float | None = None  # wall clock of the first lost emit
        self._last_probe = 0.0
        self._dropped = 0
        self._watching = False  # the watchdog (canary) runs

    def initialize(self) -> None:
        # python-socketio calls this on the instance's first socket.io connection, which
        # may come long after start-up: silence before it is not deafness.
        self.last_heard = time.monotonic()
        self.last_heard_wall = time.time()
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._watchdog)
            self._watching = True

    # -- publishing ---------------------------------------------------------------------

    async def _publish(self, data: Any) -> int | None:
        """Publish one of the library's messages; on failure count it, never raise."""
        if self._publish_down_since is not None:
            # Redis failed moments ago: don't make this request wait to find out again.
            # The canary probes it; without one (a write-only manager, or no socket.io
            # client has connected here yet) one message an interval probes.
            now = time.monotonic()
            if self._watching or now - self._last_probe < self.canary_interval:
                self._lost(data)
                return None
            self._last_probe = now
        if not await self._heal_peers():
            self._lost(data)
            return None
        result = await self._send(self.json.dumps(data))
        if result is None:
            self._lost(data)
        return result

    async def _heal_peers(self) -> bool:
        """After lost emits, tell the other instances before publishing anything newer."""
        if self._publish_lost_since is None:
            return True
        if await self._send(self._control("heal", since=self._publish_lost_since)) is None:
            return False
        self._publish_lost_since = None
        return True

    async def _send(self, raw: str) -> int | None:
        for attempt in (1, 2):
            try:
                if self._pub is None:
                    self._pub = aioredis.Redis.from_url(self.redis_url, **self.redis_options)
                receivers = int(await self._pub.publish(self.channel, raw))
            except Exception as exc:
                await self._drop_publisher()
                # A refused or reset connection is worth one fresh try; a timeout is not:
                # the request publishing this would wait twice as long for nothing.
                if attempt == 2 or isinstance(exc, RedisTimeoutError | TimeoutError):
                    self._publish_failed(exc)
                    return None
            else:
                self._publish_ok()
                return receivers
        return None

    async def close(self) -> None:
        """Close the publishing connection (a write-only manager in a job, at its end)."""
        await self._drop_publisher()

    async def _drop_publisher(self) -> None:
        pub, self._pub = self._pub, None
        if pub is not None:
            with contextlib.suppress(Exception):  # it is broken already: release its sockets
                await pub.aclose()

    def _publish_failed(self, exc: Exception) -> None:
        if self._publish_down_since is None:
            self._publish_down_since = time.monotonic()
            self._last_probe = self._publish_down_since
            log.warning("cannot publish to redis (%s); emits reach local clients only", exc)

    def _publish_ok(self) -> None:
        if self._publish_down_since is not None:
            log.warning(
                "publishing to redis again after %.1f s; %d messages were not published",
                time.monotonic() - self._publish_down_since,
                self._dropped,
            )
            self._publish_down_since = None
            self._dropped = 0

    def _lost(self, data: Any) -> None:
        self._dropped += 1
        lost_an_emit = isinstance(data, dict) and data.get("method") not in (CONTROL, "callback")
        if self._publish_lost_since is None and lost_an_emit:
            self._publish_lost_since = time.time()

    def _control(self, op: str, **fields: Any) -> str:
        # Built by hand so it starts with _CONTROL_PREFIX whatever JSON module sio uses.
        return json.dumps({"method": CONTROL, "op": op, "host_id": self.host_id, **fields})

    async def disconnect_room(self, room: str, namespace: str) -> None:
        """Disconnect every client in `room`, on every instance (logout closes consoles)."""
        await self._disconnect_local(room, namespace)
        await self._send(self._control("disconnect_room", room=room, namespace=namespace))

    async def _disconnect_local(self, room: str, namespace: str) -> None:
        for sid, _eio_sid in list(self.get_participants(namespace, room)):
            await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)

    # -- listening ----------------------------------------------------------------------

    async def _listen(self) -> AsyncIterator[Any]:
        async for data in super()._listen():
            self.last_heard = time.monotonic()
            self.last_heard_wall = time.time()
            if self.deaf:  # heard again without a reconnect (the link was only silent)
                await self._recovered()
            if isinstance(data, bytes) and data.startswith(_CONTROL_PREFIX):
                await self._handle_control(data)
                continue
            yield data

    async def _handle_control(self, raw: bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            return
        if message.get("host_id") == self.host_id:
            return  # our own canary or heal: hearing it is all that matters
        op = message.get("op")
        if op == "heal" and isinstance(message.get("since"), int | float):
            await self._resync("peer", float(message["since"]))
        elif op == "disconnect_room":
            room, namespace = message.get("room"), message.get("namespace")
            if isinstance(room, str) and isinstance(namespace, str):
                await self._disconnect_local(room, namespace)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        # The library's version backs off to 60 s; a console should not wait that long.
        retry_sleep = self.first_retry_sleep
        client: aioredis.Redis | None = None
        pubsub: Any = None
        while True:
            try:
                if pubsub is None:
                    client = aioredis.Redis.from_url(self.redis_url, **self.redis_options)
                    pubsub = client.pubsub(ignore_subscribe_messages=True)
                    await pubsub.subscribe(self.channel)
                    self.pubsub = pubsub  # the library unsubscribes it on exit
                    retry_sleep = self.first_retry_sleep
                    if self.deaf:
                        # Resubscribed: heal before delivering anything newer.
                        await self._recovered()
                async for message in pubsub.listen():
                    yield message
            except Exception as exc:  # any Redis failure: reconnect and re-subscribe
                log.warning("redis listener lost (%s); retrying in %.2f s", exc, retry_sleep)
                pubsub = None
                if client is not None:
                    with contextlib.suppress(Exception):  # already broken: release its sockets
                        await client.aclose()
                    client = None
                await self._went_deaf("listener lost")
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, self.max_retry_sleep)

    # -- deafness -----------------------------------------------------------------------

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(self.canary_interval)
            try:
                if await self._send(self._control("canary")) is not None:
                    await self._heal_peers()  # even if this instance emits nothing more
            except Exception:  # never let the watchdog die
                log.exception("canary failed")
            silent = time.monotonic() - self.last_heard
            if not self.deaf and not self._resyncing and silent > 3 * self.canary_interval:
                await self._went_deaf(f"nothing heard for {silent:.1f} s")
            elif self.deaf and time.monotonic() - self._last_resync >= self.resync_interval:
                await self._resync("deaf", self._deaf_since_wall)

    async def _went_deaf(self, why: str) -> None:
        if self.deaf:
            return
        self.deaf = True
        self._deaf_since_wall = self.last_heard_wall
        log.warning("pub/sub listener deaf: %s", why)
        await self._resync("deaf", self._deaf_since_wall)

    async def _recovered(self) -> None:
        self.deaf = False
        self.last_heard = time.monotonic()
        log.warning("pub/sub listener hears again")
        await self._resync("recovered", self._deaf_since_wall)

    async def _resync(self, reason: str, since: float) -> None:
        self._last_resync = time.monotonic()
        if self.on_resync is None:
            return
        # A resync after a gap replays from the store inside the listener, which reads
        # nothing meanwhile: on a busy store that outlasts 3 canaries. That silence is not
        # deafness (what arrives meanwhile waits in Redis; a link that breaks is noticed
        # when the listener reads again): counting it so resynced again and again.
        self._resyncing += 1
        try:
            await self.on_resync(reason, since)
        except Exception:
            log.exception("resync failed")
        finally:
            self._resyncing -= 1
            if not self._resyncing and not self.deaf:
                self.last_heard = time.monotonic()
