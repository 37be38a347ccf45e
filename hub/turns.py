"""Sender turns: one sender's SOS are screened and stored one at a time.

Why: the guard merges a repeat into the sender's earlier ticket only once that ticket is
stored. A guest who taps "send" five times in a noisy bar sends five requests at the same
moment; screened side by side, none would see the others, and five tickets (five private
links) would reach the consoles instead of one with four repeats.

A turn is held per sender key (the guard's `senders`: a device, an e-mail, a phone) from
the screen to the commit, and never for long: a turn that cannot be had in time lets the
SOS through unmerged, since losing or stalling an SOS is worse than a duplicate. In this
process's memory when embedded; in Redis in scale-out, so that instances take turns too
(the key's hash, never the e-mail or phone itself). The port: `hub.ports.SenderTurns`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

WAIT_SECONDS = 2.0  # the longest an SOS waits for its sender's earlier one
HOLD_SECONDS = 5.0  # a turn's lease in Redis: an instance that dies mid-turn frees it by then
REDIS_TIMEOUT = 0.5


@asynccontextmanager
async def _each(
    one: Callable[[str], AbstractAsyncContextManager[None]], keys: Iterable[str]
) -> AsyncIterator[None]:
    """Every key's turn, taken in one order by every request (no two wait on each other)."""
    async with AsyncExitStack() as stack:
        for key in sorted(set(keys)):
            await stack.enter_async_context(one(key))
        yield


class _Waiting:
    """One key's lock and how many requests hold it or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class LocalTurns:
    """Turns in this process (embedded mode): an asyncio lock per key while it is in use."""

    def __init__(self, wait: float = WAIT_SECONDS) -> None:
        self.wait = wait
        self._keys: dict[str, _Waiting] = {}

    def turn(self, keys: Iterable[str]) -> AbstractAsyncContextManager[None]:
        return _each(self._one, keys)

    @asynccontextmanager
    async def _one(self, key: str) -> AsyncIterator[None]:
        waiting = self._keys.get(key)
        if waiting is None:
            waiting = self._keys[key] = _Waiting()
        waiting.users += 1
        try:
            try:
                async with asyncio.timeout(self.wait):
                    await waiting.lock.acquire()
            except TimeoutError:
                log.warning("sender turn not had in %.1f s; screening without it", self.wait)
                yield
                return
            try:
                yield
            finally:
                waiting.lock.release()
        finally:
            waiting.users -= 1
            if not waiting.users:  # nobody left on this key: forget it
                del self._keys[key]

    async def close(self) -> None:
        self._keys.clear()


class RedisTurns:
    """Turns shared by every instance (scale-out): a Redis lock per key, with a lease."""

    def __init__(self, url: str, wait: float = WAIT_SECONDS, hold: float = HOLD_SECONDS) -> None:
        self.wait = wait
        self.hold = hold
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )

    def turn(self, keys: Iterable[str]) -> AbstractAsyncContextManager[None]:
        return _each(self._one, keys)

    @asynccontextmanager
    async def _one(self, key: str) -> AsyncIterator[None]:
        lock = self._redis.lock(
            "sos-hub-turn:" + hashlib.sha256(key.encode()).hexdigest()[:32],
            timeout=self.hold,
            blocking_timeout=self.wait,
            sleep=0.005,
        )
        try:
            held = await lock.acquire()
        except Exception:  # Redis down or slow: an unmerged repeat beats a stalled SOS
            log.warning("sender turns: Redis unavailable; screening without a turn")
            held = False
        else:
            if not held:
                log.warning("sender turn not had in %.1f s; screening without it", self.wait)
        try:
            yield
        finally:
            if held:
                try:
                    await lock.release()
                except Exception:  # the lease ran out, or Redis went away
                    log.warning("sender turn could not be released; its lease frees it")

    async def close(self) -> None:
        await self._redis.aclose()


def sender_turns(redis_url: str | None) -> LocalTurns | RedisTurns:
    """Redis-backed in scale-out, in this process when embedded."""
    return RedisTurns(redis_url) if redis_url else LocalTurns()


__all__ = ["LocalTurns", "RedisTurns", "sender_turns"]
