"""Recent visits: has this browser opened this page in the last few minutes?

Used to count a poster's scans without counting a guest's reloads (hub/accounts/scans.py).
What is kept is an HMAC of (page, visitor) under the hub's secret, for `window` seconds:
in this process's memory when embedded, in Redis (`SET … NX EX`) in scale-out so that every
instance agrees. Nobody can read a device id back out of it, and it expires by itself.
Redis not answering in time counts the visit as a first one: a scan too many is better than
a page that waits.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

WINDOW_SECONDS = 30 * 60
MEMORY_CAP = 100_000  # pairs remembered in one process at most (a few MB); the oldest go first
REDIS_TIMEOUT = 0.5


def visit_key(secret: str, page: str, visitor: str) -> str:
    """The keyed hash kept for a (page, visitor) pair: one-way, the same on every instance."""
    message = f"{page}\x00{visitor}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


class MemoryVisits:
    """Recent visits in this process (embedded mode): an ordered dict of expiry times."""

    def __init__(
        self,
        secret: str,
        window: float = WINDOW_SECONDS,
        cap: int = MEMORY_CAP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret = secret
        self.window = window
        self.cap = cap
        self.clock = clock
        self._until: OrderedDict[str, float] = OrderedDict()  # in expiry order: one window

    async def first_visit(self, page: str, visitor: str) -> bool:
        """True unless this pair was seen within the window (then it is not renewed)."""
        now = self.clock()
        while self._until and next(iter(self._until.values())) <= now:
            self._until.popitem(last=False)  # expired
        key = visit_key(self.secret, page, visitor)
        if key in self._until:
            return False
        while len(self._until) >= self.cap:
            self._until.popitem(last=False)  # full: the oldest go first
        self._until[key] = now + self.window
        return True

    async def close(self) -> None:
        self._until.clear()


class RedisVisits:
    """Recent visits shared by every instance (scale-out): one expiring Redis key per pair."""

    def __init__(self, url: str, secret: str, window: int = WINDOW_SECONDS) -> None:
        self.secret = secret
        self.window = window
        self._redis = aioredis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )

    async def first_visit(self, page: str, visitor: str) -> bool:
        """True when the key was new (SET NX), or when Redis cannot say."""
        key = "sos-hub-visit:" + visit_key(self.secret, page, visitor)
        try:
            return bool(await self._redis.set(key, b"1", nx=True, ex=self.window))
        except Exception:  # Redis down or slow: count it rather than hold the page
            log.warning("recent visits: Redis unavailable; counting the visit")
            return True

    async def close(self) -> None:
        await self._redis.aclose()


def recent_visits(redis_url: str | None, secret: str) -> MemoryVisits | RedisVisits:
    """Redis-backed in scale-out, in memory when embedded."""
    return RedisVisits(redis_url, secret) if redis_url else MemoryVisits(secret)


__all__ = ["WINDOW_SECONDS", "MemoryVisits", "RedisVisits", "recent_visits", "visit_key"]
