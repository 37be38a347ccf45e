"""Rate limits on the public doors, with the `limits` library.

Many guests share one public address (a hotel's Wi-Fi, a stadium's carrier NAT), so limits
per address are generous; those per device (the first-party `sos_device` cookie), per
access point and per thread are stricter. In-process counters when embedded, Redis
counters in scale-out so every instance counts together. A limiter that cannot reach
Redis lets the request through: losing an SOS is worse than letting a few more in.

Two kinds of limit, so that one client can never lock out the others:
- a client's own limits (`check`): its address, device, thread, kiosk or login pair. A request is
  tested against all of them first and counted only when every one lets it through, so a
  refused request consumes nothing.
- shared limits (`Limit(shared=True)`, checked with `check_shared`): a whole access point.
  The route calls it only for a valid request that passed the client's own limits, and each
  client (a household: an address, or an IPv6 /56) takes at most one unit of it per window,
  however much it sends. Only many distinct clients together can use up a point's budget.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem, parse, storage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import HubError
from hub.settings import Settings
from hub.turns import TurnMissed, attempt_turns

log = logging.getLogger(__name__)

ATTEMPT_WAIT = 5.0  # the longest a login waits for the attempts before it on its keys


async def _nothing() -> None:
    """A failure not counted (limits off)."""


class RateLimited(HubError):
    """Too many requests; `retry_after` says how many seconds to wait."""

    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `rate` requests per value of `key` (ip, device, point, kiosk, thread, pair).

    `shared`: the value is shared by every guest (a point): counted once per client and
    window, and only through `RateLimiter.check_shared`.
    """

    key: str
    rate: str
    shared: bool = False

    @property
    def item(self) -> RateLimitItem:
        return parse(self.rate)


POLICIES: Mapping[str, tuple[Limit, ...]] = {
    "sos": (
        Limit("ip", "120/minute"),
        Limit("point", "60/minute", shared=True),
        Limit("device", "8/minute"),
        Limit("device", "40/hour"),
    ),
    # A kiosk is shared by every guest in the hall, one at a time: limit the kiosk itself.
    "kiosk_sos": (Limit("kiosk", "20/minute"), Limit("kiosk", "300/hour")),
    # Every request of a kiosk's device token, replays answered from a claim included: a
    # stolen or looping kiosk cannot hammer the store with retries of one key.
    "kiosk_request": (Limit("kiosk", "60/minute"), Limit("kiosk", "600/hour")),
    # One survey per ticket, which a customer may correct: a few answers, not a stream.
    "survey": (Limit("thread", "5/minute"), Limit("thread", "30/day"), Limit("ip", "120/minute")),
    # The survey behind a point's QR, without an SOS: a visit is rated once, maybe corrected.
    "visit_survey": (
        Limit("ip", "60/minute"),
        Limit("point", "60/minute", shared=True),
        Limit("device", "5/minute"),
        Limit("device", "20/day"),
    ),
    # A kiosk's survey: every guest in the hall, one at a time.
    "kiosk_survey": (Limit("kiosk", "20/minute"), Limit("kiosk", "300/hour")),
    "page": (Limit("ip", "600/minute"),),
    # Openings of one point's page counted as scans from one network (hub/accounts/scans.py):
    # past this, the page is still served but not counted, so that a script sending a new
    # device cookie each time cannot inflate a poster's figures (and its SOS per scan).
    "scan": (Limit("pair", "30/minute"),),
    "thread_message": (
        Limit("ip", "240/minute"),
        Limit("thread", "15/minute"),
        Limit("device", "20/minute"),
    ),
    # Photos on a thread: each is megabytes to decode, and ATTACHMENTS_MAX per ticket anyway.
    "attachment": (
        Limit("ip", "60/minute"),
        Limit("thread", "12/minute"),
        Limit("device", "20/minute"),
    ),
    # Only failed logins count (hub.accounts.access). Per e-mail *and* address,
    # so that guesses from one place never lock the owner out elsewhere; the longer windows
    # lock a pair that keeps failing out for longer (backoff). Generous per address.
    "login": (
        Limit("ip", "30/minute"),
        Limit("pair", "5/minute"),
        Limit("pair", "20/hour"),
        Limit("pair", "50/day"),
    ),
}


class RateLimiter:
    """Checks a named policy against the request's keys; raises RateLimited when over."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits
        self._pool: aioredis.ConnectionPool | None = None
        if settings.redis_url:
            # Our own pool, so that `close` can let go of its connections at shutdown.
            self._pool = aioredis.ConnectionPool.from_url(settings.redis_url)
            uri = "async+" + settings.redis_url
            options: dict[str, Any] = {"implementation": "redispy", "connection_pool": self._pool}
            # storage_from_string's options are typed as scalars; redis-py takes a pool too.
            self._storage = storage.storage_from_string(uri, key_prefix="sos-hub-limits", **options)
        else:
            self._storage = storage.storage_from_string("async+memory://")
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._attempts = attempt_turns(
            settings.redis_url, settings.secret_key, settings.store_timeout, ATTEMPT_WAIT
        )

    async def check(self, policy: str, **keys: str | None) -> None:
        """Count one request against the client's own limits of `policy` whose key is known.

        Test all, then count all: a request refused by one limit is counted by none.
        """
        if not self.enabled:
            return
        limits = [
            (limit, value)
            for limit in POLICIES[policy]
            if not limit.shared and (value := keys.get(limit.key))
        ]
        try:
            for limit, value in limits:
                if not await self._limiter.test(limit.item, policy, limit.key, value):
                    raise RateLimited(await self._retry_after(limit.item, policy, limit.key, value))
            for limit, value in limits:
                await self._limiter.hit(limit.item, policy, limit.key, value)
        except RateLimited:
            raise
        except Exception:  # storage down: fail open, and say so
            log.warning("rate limiter storage unavailable; letting the request through")

    async def check_shared(self, policy: str, client: str, **keys: str | None) -> None:
        """Count a valid request against the shared limits of `policy` (a point's budget).

        `client` (a household: an address, or an IPv6 /56) takes one unit of each shared
        budget per window at most: its later requests in that window pass without counting,
        so it cannot drain what other guests share. Refused: nothing is counted.
        """
        if not self.enabled:
            return
        try:
            due: list[tuple[RateLimitItem, tuple[str, ...]]] = []
            for limit in POLICIES[policy]:
                value = keys.get(limit.key)
                if not limit.shared or not value:
                    continue
                item = limit.item
                once = type(item)(1, item.multiples)  # "this client was counted", per window
                seen = (policy, limit.key, value, "client", client)
                if not await self._limiter.test(once, *seen):
                    continue
                if not await self._limiter.test(item, policy, limit.key, value):
                    raise RateLimited(await self._retry_after(item, policy, limit.key, value))
                due.append((item, (policy, limit.key, value)))
                due.append((once, seen))
            for item, identifiers in due:
                await self._limiter.hit(item, *identifiers)
        except RateLimited:
            raise
        except Exception:  # storage down: fail open, and say so
            log.warning("rate limiter storage unavailable; letting the request through")

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self._limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def peek(self, policy: str, **keys: str | None) -> None:
        """Raise RateLimited when a limit of `policy` is used up, without counting anything.

        For policies that count only failures (login): look first, count after a failure.
        """
        if not self.enabled:
            return
        for limit in POLICIES[policy]:
            value = keys.get(limit.key)
            if not value:
                continue
            try:
                if await self._limiter.test(limit.item, policy, limit.key, value):
                    continue
                stats = await self._limiter.get_window_stats(limit.item, policy, limit.key, value)
            except Exception:  # storage down: fail open, and say so
                log.warning("rate limiter storage unavailable; letting the request through")
                return
            raise RateLimited(max(1, math.ceil(stats.reset_time - time.time())))

    @asynccontextmanager
    async def attempt(
        self, policy: str, **keys: str | None
    ) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """One attempt under a policy that counts only failures (login), yielding what to
        call when it fails: `async with limiter.attempt("login", ip=…, pair=…) as failed:`.

        Attempts on one key take turns (in this process when embedded, through Redis across
        every instance in scale-out): each is judged (`peek`) only once the one before it
        has been counted. Checked side by side, a hundred guesses sent at
        once would all pass the look before the first failure was counted, and a hundred
        passwords would be tried where five may be. One not had its turn within
        ATTEMPT_WAIT seconds is refused (RateLimited) rather than judged without it.
        """
        if not self.enabled:
            yield _nothing
            return
        turn_keys = [f"{policy}|{k}|{v}" for k, v in keys.items() if v]
        try:
            async with self._attempts.turn(turn_keys):
                await self.peek(policy, **keys)

                async def failed() -> None:
                    await self.record(policy, **keys)

                yield failed
        except TurnMissed:
            raise RateLimited(1) from None

    async def record(self, policy: str, **keys: str | None) -> None:
        """Count one (failed) attempt against every limit of `policy`; never raises."""
        if not self.enabled:
            return
        for limit in POLICIES[policy]:
            value = keys.get(limit.key)
            if not value:
                continue
            try:
                await self._limiter.hit(limit.item, policy, limit.key, value)
            except Exception:
                log.warning("rate limiter storage unavailable; a failed attempt went uncounted")
                return

    async def close(self) -> None:
        """Close the Redis connections (scale-out); nothing to do in memory."""
        await self._attempts.close()
        if self._pool is not None:
            await self._pool.disconnect()
