"""`kill -9` of `sos-hub serve` while SOS arrive: every SOS it stored is routed after restart.

The routing mark is written in the same commit as the ticket, so a crash between storing
an SOS and asking for its routing cannot leave it stored, on the consoles, and never routed.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from hub.ports import Doc
from hub.store.sqlite import SqliteStore
from tests.helpers import HubProcess
from tests.integration.delivery_kit import add_rule, email_to, rule
from tests.integration.realtime_clients import seed_file

pytestmark = pytest.mark.slow
PLACES = ("la piscina", "el garaje", "la cocina", "el ascensor", "la terraza", "el spa")
TROUBLES = (
    "hay humo",
    "no funciona la luz",
    "sale agua del techo",
    "huele a gas",
    "la puerta no cierra",
    "hace mucho frío",
)


async def _post_until_killed(hub: HubProcess, point: str, count: int) -> int:
    """Post `count` SOS at once; kill -9 the hub after the first few answers. Answers seen."""
    answered = 0

    async def post(client: httpx.AsyncClient, n: int) -> None:
        nonlocal answered
        text = f"{TROUBLES[n % 6]} en {PLACES[(n // 6) % 6]}, habitación {100 + n}"
        try:
            r = await client.post(
                "/api/v1/sos", json={"point": point, "text": text, "anonymous": n % 2 == 0}
            )
        except httpx.HTTPError:
            return  # the hub died under this request
        if r.status_code == 201:
            answered += 1
            if answered == 3 and hub.proc is not None:
                hub.proc.send_signal(signal.SIGKILL)

    async with httpx.AsyncClient(base_url=hub.url, timeout=20) as client:
        await asyncio.gather(*(post(client, n) for n in range(count)))
    return answered


async def _stored_tickets(db: Path, tenant_id: str) -> list[Doc]:
    store = SqliteStore(db)
    await store.open()
    try:
        return await store.find(tenant_id, "tickets")
    finally:
        await store.close()


async def _outbox(db: Path, tenant_id: str) -> list[Doc]:
    store = SqliteStore(db)
    await store.open()
    try:
        return await store.find(tenant_id, "outbox")
    finally:
        await store.close()


async def _add_rule(db: Path, tenant: Doc) -> None:
    store = SqliteStore(db)
    await store.open()
    try:
        await add_rule(store, tenant, rule([email_to("ana@acme.example")]))
    finally:
        await store.close()


def test_every_sos_stored_before_a_kill_9_is_routed_after_restart(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    seeded = asyncio.run(seed_file(db, "acme"))["acme"]
    asyncio.run(_add_rule(db, seeded.tenant))
    # Default timings: the restarted hub's first sweep, at start-up, takes up what is left.
    env = {"HUB_DATABASE_URL": f"sqlite:///{db}", "HUB_TEST_LOG_DIR": str(tmp_path)}
    first = HubProcess(env).start()
    try:
        asyncio.run(_post_until_killed(first, seeded.point["code"], 40))
        assert first.proc is not None and first.proc.wait(10) == -signal.SIGKILL
    finally:
        first.stop()
    tenant_id = seeded.tenant["id"]
    accepted = [
        t for t in asyncio.run(_stored_tickets(db, tenant_id)) if t["status"] != "quarantined"
    ]
    assert accepted, "the hub stored no SOS before it was killed"

    with HubProcess(env, port=first.port):
        deadline = time.monotonic() + 30
        while True:
            tickets = {t["id"]: t for t in asyncio.run(_stored_tickets(db, tenant_id))}
            alerted = {i["ticket_id"] for i in asyncio.run(_outbox(db, tenant_id))}
            unrouted = [
                t["number"]
                for t in accepted
                if tickets[t["id"]].get("route_state") != "done" or t["id"] not in alerted
            ]
            if not unrouted or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert unrouted == [], f"stored SOS never routed: {unrouted} of {len(accepted)}"
