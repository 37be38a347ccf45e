"""A Redis outage in scale-out: consoles notice, catch up, and end with every ticket once.

Redis here is a private redis-server on a free port: this test stops it, and must never
touch the shared one on 6379.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.helpers import HubProcess, Seeded
from tests.integration.realtime_clients import (
    HTTP_TIMEOUT,
    Console,
    seed_file,
    start_hubs,
    wait_all,
)
from tests.integration.redis_server import RedisServer

pytestmark = pytest.mark.slow

SOS_EVERY = 0.1  # seconds between SOS posted to A, for the whole test
RECOVERY_BOUND = 10.0  # seconds from Redis's return until every console has every ticket
HANG_SECONDS = 6.0  # longer than the 3 s of silence after which the hub calls itself deaf
INTAKE_BOUND = 5.0  # an SOS is answered within this even while Redis is down (2 cores)


@dataclass
class Setup:
    redis: RedisServer
    a: HubProcess
    b: HubProcess
    tenants: dict[str, Seeded]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """Instances A and B on a private Redis; each outage test uses a business of its own."""
    tmp = tmp_path_factory.mktemp("outage")
    db = tmp / "hub.db"
    tenants = asyncio.run(seed_file(db, "stopped", "hung"))
    with RedisServer() as redis:
        env = {
            "HUB_DATABASE_URL": f"sqlite:///{db}",
            "HUB_REDIS_URL": redis.url,
            "HUB_TEST_LOG_DIR": str(tmp),
        }
        a, b = start_hubs([env, env])
        try:
            yield Setup(redis, a, b, tenants)
        finally:
            a.stop()
            b.stop()


@dataclass
class Producer:
    """Posts an SOS to one instance every SOS_EVERY seconds, without waiting for answers."""

    url: str
    tenant: Seeded
    every: float = SOS_EVERY
    created: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def _post(self, http: httpx.AsyncClient) -> None:
        started = time.monotonic()
        try:
            r = await http.post(
                "/api/v1/sos",
                json={
                    "point": self.tenant.point["code"],
                    "text": f"Spill {next(self._numbers)}",
                    "anonymous": True,
                },
            )
        except httpx.HTTPError as exc:
            self.failures.append(repr(exc))
            return
        self.slowest = max(self.slowest, time.monotonic() - started)
        if r.status_code == 201:
            self.created.add(r.json()["id"])
        else:
            self.failures.append(f"{r.status_code} {r.text[:200]}")

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=HTTP_TIMEOUT) as http:
            while not stop.is_set():
                self._tasks.append(asyncio.create_task(self._post(http)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.every)
            await asyncio.gather(*self._tasks)


def created_ids(console: Console) -> list[str]:
    """Tickets the console shows: ticket.created events after de-duplication by seq."""
    return [data["id"] for name, data in console.shown.values() if name == "ticket.created"]


def resync_reasons(console: Console) -> list[str]:
    return [data["reason"] for data in console.events("resync")]


@pytest.mark.parametrize("outage", ["stopped", "hung"])
async def test_consoles_catch_up_with_every_ticket_after_a_redis_outage(
    setup: Setup, consoles: list[Console], outage: str
) -> None:
    """Stopped: the process is gone and connections drop. Hung: CLIENT PAUSE, connections
    stay open and nothing moves, so only the canary's silence tells."""
    business = setup.tenants[outage]
    token = business.tokens["agent"]
    for _ in range(3):
        console = Console(setup.b.url, auth={"token": token}, reconnection=True, auto_resume=True)
        consoles.append(await console.connect())
    async with httpx.AsyncClient(base_url=setup.a.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.post(
            "/api/v1/sos",
            json={"point": business.point["code"], "text": "Before the outage", "anonymous": True},
        )
        first = r.json()
    token = first["thread_url"].split("/t/")[1]
    thread = Console(setup.b.url, "/thread", auth={"thread_token": token})
    consoles.append(await thread.connect())

    producer = Producer(setup.a.url, business)
    producer.created.add(first["id"])
    # A few SOS on B too: its consoles get those at once, even while Redis is down, and
    # their newer seq must not hide A's older tickets from the consoles' resume.
    local = Producer(setup.b.url, business, every=3 * SOS_EVERY)
    stop = asyncio.Event()
    producing = asyncio.gather(producer.run(stop), local.run(stop))
    try:
        staff = consoles[:3]
        # Fan-out through Redis works before the outage.
        await wait_all(staff, lambda c: len(created_ids(c)) >= 5, 10, "live tickets from A")

        if outage == "stopped":
            setup.redis.stop()
        else:
            setup.redis.pause(HANG_SECONDS)
            hung_until = time.monotonic() + HANG_SECONDS
        # The hub noticed it went deaf and told every client, thread pages too.
        await wait_all(consoles, lambda c: "deaf" in resync_reasons(c), 10, "resync (deaf)")
        down_since = len(producer.created)
        await staff[0].wait_for(
            lambda: len(producer.created) >= down_since + 10, 10, "SOS accepted while Redis is down"
        )
        if outage == "stopped":
            setup.redis.start()
            back = time.monotonic()
        else:
            back = hung_until
        await wait_all(
            consoles,
            lambda c: "recovered" in resync_reasons(c),
            RECOVERY_BOUND,
            "resync (recovered)",
        )
        # Live fan-out through Redis again: more tickets arrive after the recovery.
        seen = {id(c): len(created_ids(c)) for c in staff}
        await wait_all(staff, lambda c: len(created_ids(c)) >= seen[id(c)] + 5, 10, "live")
    finally:
        stop.set()
        await producing

    assert producer.failures == [] and local.failures == []
    created = producer.created | local.created
    await wait_all(
        staff,
        lambda c: set(created_ids(c)) == created,
        max(1.0, RECOVERY_BOUND - (time.monotonic() - back)),
        lambda c: f"every ticket on every console (missing {len(created - set(created_ids(c)))})",
    )
    for c in staff:
        assert len(created_ids(c)) == len(created)  # each exactly once after de-dup
    slowest = max(producer.slowest, local.slowest)
    print(
        f"\n{outage}: {len(created)} tickets; every console complete "
        f"{time.monotonic() - back:.2f} s after Redis returned; slowest SOS {slowest:.1f} s"
    )
    if outage == "hung" and slowest >= INTAKE_BOUND:
        # Publishing fails fast (hub/realtime/pubsub.py); what still waits is the routing
        # job's RQ enqueue, awaited inside the SOS request with a 5 s socket timeout.
        pytest.xfail(f"known: an SOS took {slowest:.1f} s while Redis hung (RQ enqueue)")
    assert slowest < INTAKE_BOUND, f"an SOS took {slowest:.1f} s"
