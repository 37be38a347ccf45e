"""Scale-out: login attempts on one e-mail take turns across instances, through Redis.

Two `sos-hub serve` processes on one SQLite file and the real Redis, rate limits on. Each
run logs in to a business of its own from an address of its own: Redis keeps the failure
counts between runs, and this test must find them empty.
"""

from __future__ import annotations

import asyncio
import random
import uuid

import httpx
import pytest

from hub.http.ratelimit import POLICIES
from tests.helpers import PASSWORD
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.kit import LOGIN, Serve, Served

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"
SLUG = f"turns-{uuid.uuid4().hex[:12]}"
_ENV = {
    "HUB_REDIS_URL": REDIS_URL,
    "HUB_REDIS_CHANNEL": f"sos-hub-test-{uuid.uuid4().hex}",  # parallel runs never cross
    "HUB_RATE_LIMITS": "on",
    "HUB_TRUSTED_PROXIES": "127.0.0.1",  # each run names its own client address
}
SERVED = Serve(slugs=(SLUG,), envs=(_ENV, _ENV))


def per_minute(key: str) -> int:
    """The strictest per-minute amount of the login policy for `key`."""
    return min(
        limit.item.amount
        for limit in POLICIES["login"]
        if limit.key == key and limit.item.get_expiry() <= 60
    )


async def test_a_hundred_guesses_spread_over_two_instances_are_judged_no_more_than_the_limit(
    served: Served,
) -> None:
    """Each instance taking its own turns would try five passwords each (ten in all): the
    turns are shared, so the two together try no more than one instance would."""
    email = served.tenants[SLUG].users["agent"]["email"]
    address = f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"
    headers = {"X-Forwarded-For": address}
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:

        async def guess(i: int) -> int:
            body = {"email": email, "password": f"guess-{i}"}
            r = await http.post(served.urls[i % 2] + LOGIN, json=body, headers=headers)
            return r.status_code

        statuses = await asyncio.gather(*(guess(i) for i in range(100)))
        tried = statuses.count(401)
        assert 1 <= tried <= per_minute("pair"), statuses
        assert statuses.count(429) == 100 - tried, statuses
        # locked on both instances: the right password waits too (a hit looks like a miss)
        for url in served.urls:
            r = await http.post(
                url + LOGIN, json={"email": email, "password": PASSWORD}, headers=headers
            )
            assert r.status_code == 429, r.text
            assert int(r.headers["Retry-After"]) >= 1
            assert r.json()["error"]["code"] == "rate_limited"
            assert "QUART_AUTH" not in r.headers.get("Set-Cookie", "")
