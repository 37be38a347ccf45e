"""A Redis client manager that knows when it has gone deaf, and says so.

Redis pub/sub drops what it cannot deliver, and python-socketio's listener re-subscribes
with a backoff that grows to a minute. This manager caps that backoff, publishes a canary
every `canary_interval` seconds and watches for anything at all arriving on the channel
(its own canary included). While nothing arrives the listener is deaf: the hub asks its
local consoles to `resume` from the store, and does so once more when hearing returns.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio

log = logging.getLogger(__name__)

Resync = Callable[[str], Awaitable[None]]


class HubRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """AsyncRedisManager plus a canary, a capped re-subscribe backoff and a deafness hook."""

    max_retry_sleep = 2.0

    def __init__(self, url: str, *, canary_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.canary_interval = canary_interval
        self.last_heard = time.monotonic()
        self.deaf = False
        self.on_resync: Resync | None = None

    def initialize(self) -> None:
        super().initialize()
        if not self.write_only:
            self.server.start_background_task(self._watchdog)

    async def _listen(self) -> AsyncIterator[Any]:
        async for data in super()._listen():
            self.last_heard = time.monotonic()
            yield data

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        # The library's version backs off to 60 s; a console should not wait that long.
        retry_sleep = 0.25
        subscribed = False
        while True:
            try:
                if not subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    subscribed = True
                    retry_sleep = 0.25
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # any Redis failure: reconnect and re-subscribe
                log.warning("redis listener lost (%s); retrying in %.2f s", exc, retry_sleep)
                subscribed = False
                await asyncio.sleep(retry_sleep)
                retry_sleep = min(retry_sleep * 2, self.max_retry_sleep)

    async def _watchdog(self) -> None:
        while True:
            await asyncio.sleep(self.canary_interval)
            try:
                await self._publish({"method": "canary", "host_id": self.host_id})
            except Exception:  # _publish logs its own failures
                pass
            silent = time.monotonic() - self.last_heard
            if silent > 3 * self.canary_interval:
                if not self.deaf:
                    log.warning("pub/sub listener deaf for %.1f s", silent)
                self.deaf = True
                await self._resync("deaf")
            elif self.deaf:
                self.deaf = False
                log.warning("pub/sub listener hears again")
                await self._resync("recovered")

    async def _resync(self, reason: str) -> None:
        if self.on_resync is not None:
            try:
                await self.on_resync(reason)
            except Exception:
                log.exception("resync failed")
