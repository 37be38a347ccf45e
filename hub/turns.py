"""Sender turns: one sender's SOS are screened and stored one at a time.

Why: the guard merges a repeat into the sender's earlier ticket only once that ticket is
stored. A guest who taps "send" five times in a noisy bar sends five requests at the same
moment; screened side by side, none would see the others, and five tickets (five private
links) would reach the consoles instead of one with four repeats.

A turn is held per sender key (the guard's `senders`: a device, an e-mail, a phone) from
the screen to the commit, and never for long: an SOS waits for its turns WAIT_SECONDS at
most in all, then goes through unmerged, since losing or stalling an SOS is worse than a
duplicate. In this process's memory when embedded; in Redis in scale-out, so that
instances take turns too (under an HMAC of the key with the hub's secret, never the
e-mail or phone itself). The port: `hub.ports.SenderTurns`.

Login attempts take strict turns (`attempt_turns`, used by hub.http.ratelimit): one not
had in time is refused, never let through, and in scale-out they are shared in Redis too.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

WAIT_SECONDS = 2.0  # the longest an SOS waits for its turns, all its keys together
REDIS_TIMEOUT = 0.5
REDIS_RESTING = 5.0  # after Redis failed a turn, SOS go without turns this long
POLL_SECONDS = 0.02  # how often a waiting SOS asks Redis again


def turn_hold_seconds(store_timeout: float) -> float:
    """A Redis turn's lease: longer than a turn can last (the screen's two reads, the
    number, the commit, each bounded by the store's timeout, and the publish), so that it
    runs out only when an instance died holding it."""
    return 4 * store_timeout + 3.0


Take = Callable[[str, float], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _each(one: Take, keys: Iterable[str], wait: float) -> AsyncIterator[None]:
    """Every key's turn, taken in one order by every request (no two wait on each other),
    within one deadline for them all."""
    deadline = time.monotonic() + wait
    async with AsyncExitStack() as stack:
        for key in sorted(set(keys)):
            await stack.enter_async_context(one(key, deadline))
        yield


def _late(waited: float) -> None:
    log.warning("sender turn not had in %.1f s; screening without it", waited)


class TurnMissed(TimeoutError):
    """A strict turn (`LocalTurns(strict=True)`) was not had in time: the request is refused
    rather than let through (login attempts, hub.http.ratelimit)."""


class _Waiting:
    """One key's lock and how many requests hold it or wait for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class LocalTurns:
    """Turns in this process (embedded mode): an asyncio lock per key while it is in use.

    `strict`: a turn not had within `wait` raises TurnMissed instead of letting the request
    through without it.
    """

    def __init__(self, wait: float = WAIT_SECONDS, *, strict: bool = False) -> None:
        self.wait = wait
        self.strict = strict
        self._keys: dict[str, _Waiting] = {}

    def turn(self, keys: Iterable[str]) -> AbstractAsyncContextManager[None]:
        return _each(self._one, keys, self.wait)

    @asynccontextmanager
    async def _one(self, key: str, deadline: float) -> AsyncIterator[None]:
        waiting = self._keys.get(key)
        if waiting is None:
            waiting = self._keys[key] = _Waiting()
        waiting.users += 1
        try:
            held = False
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    await waiting.lock.acquire()
                held = True
            except TimeoutError:
                if self.strict:
                    raise TurnMissed(key) from None
                _late(self.wait)
            try:
                yield
            finally:
                if held:
                    waiting.lock.release()
        finally:
            waiting.users -= 1
            if not waiting.users and self._keys.get(key) is waiting:  # nobody left: forget it
                del self._keys[key]

    async def close(self) -> None:
        """Nothing to let go of: each key is forgotten when its last user leaves."""


class RedisTurns:
    """Turns shared by every instance (scale-out): a Redis lock per key, with a lease.

    Redis failing a turn (down, or not answering within REDIS_TIMEOUT) lets that SOS
    through, and the SOS of the next REDIS_RESTING seconds too without asking it: each
    would otherwise pay the timeout again.

    `strict` (login attempts): a turn not had within `wait` raises TurnMissed, and while
    Redis fails the turns are taken in this process (LocalTurns) rather than not at all.
    """

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        hold: float = turn_hold_seconds(3.0),
        wait: float = WAIT_SECONDS,
        strict: bool = False,
    ) -> None:
        self.secret = secret.encode()
        self.hold = hold
        self.wait = wait
        self.strict = strict
        self._local = LocalTurns(wait, strict=True) if strict else None
        self._resting_until = 0.0
        self._releasing: set[asyncio.Future[None]] = set()
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )

    def name(self, key: str) -> str:
        """The Redis key a sender key's turn is held under: nobody can read the sender back."""
        digest = hmac.new(self.secret, key.encode(), hashlib.sha256).hexdigest()[:32]
        return "sos-hub-turn:" + digest

    def turn(self, keys: Iterable[str]) -> AbstractAsyncContextManager[None]:
        return _each(self._one, keys, self.wait)

    @asynccontextmanager
    async def _one(self, key: str, deadline: float) -> AsyncIterator[None]:
        if time.monotonic() < self._resting_until:
            # Redis failed a moment ago: no shared turn rather than another timeout
            async with self._without_redis(key, deadline):
                yield
            return
        token = secrets.token_hex(16).encode()
        lock = self._redis.lock(
            self.name(key),
            timeout=self.hold,
            blocking_timeout=max(0.0, deadline - time.monotonic()),
            sleep=POLL_SECONDS,
        )
        try:
            held: bool | None = bool(await lock.acquire(token=token))
        except asyncio.CancelledError:
            # The SET may have reached Redis before the request was cancelled: let it go
            # now rather than at the lease's end (the guest's next SOS would wait for it).
            await asyncio.shield(self._release(lock, token))
            raise
        except Exception as exc:  # Redis down or slow: an unmerged repeat beats a stalled SOS
            log.warning("turns: Redis unavailable; going without shared turns for a while")
            self._resting_until = time.monotonic() + REDIS_RESTING
            if isinstance(exc, TimeoutError | aioredis.TimeoutError):
                # A slow Redis may still have applied the SET: let it go when it can, or
                # the lease would hold the key's next turns (a login: refused) till its end.
                self._release_later(lock, token)
            held = None
        if held is None:
            async with self._without_redis(key, deadline):
                yield
            return
        if not held:
            if self.strict:
                raise TurnMissed(key)
            _late(self.wait)
        try:
            yield
        finally:
            if held:
                await asyncio.shield(self._release(lock, token))

    def _without_redis(self, key: str, deadline: float) -> AbstractAsyncContextManager[None]:
        """While Redis fails: strict turns are taken in this process, others not at all."""
        if self._local is None:
            return nullcontext()
        return self._local._one(key, deadline)

    def _release_later(self, lock: aioredis.lock.Lock, token: bytes) -> None:
        """Release in the background (the task kept until done, as asyncio asks)."""
        task = asyncio.ensure_future(self._release(lock, token))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(self, lock: aioredis.lock.Lock, token: bytes) -> None:
        """Release a turn if it is still this request's (its lease may have run out)."""
        try:
            await lock.do_release(token)
        except Exception:  # not ours any more, or Redis went away: the lease frees it
            log.debug("sender turn not released; its lease frees it")

    async def close(self) -> None:
        """Let go of Redis; a release still on its way is given up (the lease frees it)."""
        for task in list(self._releasing):
            task.cancel()
        await asyncio.gather(*self._releasing, return_exceptions=True)
        await self._redis.aclose()


def sender_turns(
    redis_url: str | None, secret: str, store_timeout: float
) -> LocalTurns | RedisTurns:
    """Redis-backed in scale-out, in this process when embedded."""
    if not redis_url:
        return LocalTurns()
    return RedisTurns(redis_url, secret, hold=turn_hold_seconds(store_timeout))


def attempt_turns(
    redis_url: str | None, secret: str, store_timeout: float, wait: float
) -> LocalTurns | RedisTurns:
    """Strict turns for login attempts: shared by every instance through Redis in
    scale-out (each instance's own turns would let each one judge its own five guesses),
    in this process when embedded."""
    if not redis_url:
        return LocalTurns(wait, strict=True)
    return RedisTurns(
        redis_url, secret, hold=turn_hold_seconds(store_timeout), wait=wait, strict=True
    )


__all__ = ["LocalTurns", "RedisTurns", "attempt_turns", "sender_turns", "turn_hold_seconds"]
