"""Kiosks used as an attacker or a broken kiosk would: a reused Idempotency-Key, a flood of
replays, a flood of heartbeats, a kiosk flapping on bad Wi-Fi.

In-process hubs (rate limits on), one real `sos-hub serve` for the heartbeats over a real
socket, real SQLite, aiosmtpd on loopback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import httpx
import pytest
import socketio

from hub.app import Hub
from hub.clock import SteppedClock
from hub.http.ratelimit import POLICIES
from hub.settings import Settings
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import eventually
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.integration.smtp_server import SmtpServer
from tests.kit import Served

WAIT = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with rate limits on (they are off elsewhere)."""
    return dataclasses.replace(settings, rate_limits=True)


async def new_kiosk(client: Any, who: Seeded, **fields: Any) -> dict[str, Any]:
    body = {"name": "Lobby kiosk", "point": who.point["code"], **fields}
    r = await client.post("/api/v1/kiosks", json=body, headers=who.auth("manager"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    return dict(await r.get_json())


def device(kiosk: dict[str, Any], key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {kiosk['device_token']}", "Idempotency-Key": key}


async def test_a_key_reused_with_another_guests_message_is_422_and_never_leaks_the_first_ticket(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    kiosk = await new_kiosk(client, acme, departments=["bar"])
    first: dict[str, Any] = {
        "text": "My wallet was stolen at the bar",
        "contact": {"name": "Ana", "email": "ana@example.com"},
        "department": "bar",
        "language": "en",
    }
    r = await client.post("/api/v1/kiosk/sos", json=first, headers=device(kiosk, "reused-key-01"))
    assert r.status_code == 201
    ticket = await r.get_json()

    # the next guest's message under the same key (a kiosk's bug, a replayed key)
    others: list[dict[str, Any]] = [
        {**first, "text": "Towels for room 7, please"},
        {**first, "contact": {"name": "Bob", "email": "bob@example.com"}},
        {**first, "language": "es"},
        {**{k: v for k, v in first.items() if k != "department"}},
        {"text": first["text"], "anonymous": True},
    ]
    for other in others:
        r = await client.post(
            "/api/v1/kiosk/sos", json=other, headers=device(kiosk, "reused-key-01")
        )
        assert r.status_code == 422, other
        body = await r.get_json()
        assert set(body) == {"error"}
        assert body["error"]["code"] == "idempotency_key_reused"
        assert "Idempotency-Key" in body["error"]["message"]
        said = await r.get_data(as_text=True)
        assert ticket["thread_url"] not in said and ticket["id"] not in said
        assert ticket["thread_url"].rsplit("/", 1)[-1] not in said

    # the true retry (same words, keys in another order) still gets its ticket back
    retry = dict(reversed(list(first.items())))
    r = await client.post("/api/v1/kiosk/sos", json=retry, headers=device(kiosk, "reused-key-01"))
    assert r.status_code == 200
    again = await r.get_json()
    assert (again["id"], again["thread_url"]) == (ticket["id"], ticket["thread_url"])
    texts = [t["text"] for t in await hub.store.find(acme.tenant["id"], "tickets")]
    assert texts == [first["text"]]  # and nothing of the refused ones was stored


async def test_replays_count_against_the_kiosks_own_request_limit(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """A stolen or looping kiosk replaying one key gets 429, not endless store reads."""
    [per_minute, _per_hour] = [limit.item.amount for limit in POLICIES["kiosk_request"]]
    kiosk = await new_kiosk(client, acme)
    body = {"text": "The lift is stuck between floors", "anonymous": True}
    headers = device(kiosk, "looping-key-01")
    r = await client.post("/api/v1/kiosk/sos", json=body, headers=headers)
    assert r.status_code == 201
    for _ in range(per_minute - 1):  # replays, each answered from the claim
        r = await client.post("/api/v1/kiosk/sos", json=body, headers=headers)
        assert r.status_code == 200
    r = await client.post("/api/v1/kiosk/sos", json=body, headers=headers)
    assert r.status_code == 429
    assert (await r.get_json())["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # another kiosk of the business is not held back by this one
    calm = await new_kiosk(client, acme, name="Calm kiosk")
    r = await client.post("/api/v1/kiosk/sos", json=body, headers=device(calm, "calm-key-0001"))
    assert r.status_code == 201


async def test_a_heartbeat_flood_never_reaches_the_store(served: Served) -> None:
    """Beats closer than 5 s on one connection are dropped: a kiosk flagged offline is not
    brought back by them (each would have been a read and a write)."""
    who = served.acme
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.post(
            "/api/v1/kiosks",
            json={"name": "Flooding kiosk", "point": who.point["code"]},
            headers={"Authorization": f"Bearer {who.tokens['manager']}"},
        )
        assert r.status_code == 201, r.text
        kiosk = r.json()
    sio = socketio.AsyncClient(reconnection=False)
    configs: list[Any] = []
    sio.on("config", configs.append, namespace="/kiosk")
    store = SqliteStore(served.db)
    await store.open()
    tenant_id = who.tenant["id"]

    async def online() -> bool:
        doc = await store.get(tenant_id, "kiosks", kiosk["id"])
        assert doc is not None
        return not doc.get("offline")

    try:
        await sio.connect(
            served.url,
            namespaces=["/kiosk"],
            transports=["websocket"],
            auth={"device_token": kiosk["device_token"]},
            wait_timeout=WAIT,
        )

        async def configured() -> list[Any] | None:
            return configs or None

        await eventually(configured, what="the configuration")
        opened = time.monotonic()
        await store.update(tenant_id, "kiosks", kiosk["id"], {"offline": True})
        await sio.call("heartbeat", {}, namespace="/kiosk", timeout=WAIT)
        assert await online()  # the connection's first beat counts
        back = 0
        for _ in range(10):  # a looping kiosk: beat after beat, each acknowledged
            await store.update(tenant_id, "kiosks", kiosk["id"], {"offline": True})
            await sio.call("heartbeat", {}, namespace="/kiosk", timeout=WAIT)
            back += await online()
        elapsed = time.monotonic() - opened
        # at most one beat per 5 s may pass: none, unless this machine took that long
        assert back <= int(elapsed // 5), (back, elapsed)
    finally:
        await sio.disconnect()
        await store.close()


async def test_a_flapping_kiosk_is_flagged_every_turn_but_mailed_at_most_once_an_hour(
    watched: tuple[Hub, SteppedClock], smtp: SmtpServer
) -> None:
    the_hub, clock = watched
    acme = await seed_tenant(the_hub.store, "acme")
    client = the_hub.quart.test_client()
    kiosk = await new_kiosk(client, acme, name="Flapping kiosk", offline_minutes=2)
    doc = await the_hub.store.get(acme.tenant["id"], "kiosks", kiosk["id"])
    assert doc is not None
    watch = the_hub.kiosks.watch
    pushed: list[bool] = []  # what the consoles are told, live (kiosk.status on /staff)
    emit = the_hub.sio.emit

    async def recording(event: str, data: Any = None, **kwargs: Any) -> Any:
        if event == "kiosk.status" and data["id"] == kiosk["id"]:
            pushed.append(bool(data["online"]))
        return await emit(event, data, **kwargs)

    the_hub.sio.emit = recording

    async def shown_online() -> bool:
        r = await client.get("/api/v1/kiosks/status", headers=acme.auth("agent"))
        [mine] = (await r.get_json())["items"]
        return bool(mine["online"])

    async def notices() -> list[str]:
        items = await the_hub.store.find(acme.tenant["id"], "outbox")
        return sorted(str(i["kind"]) for i in items)

    await the_hub.kiosks.seen(doc)
    for _ in range(8):  # bad Wi-Fi: silent three minutes, back, again and again (24 min)
        clock.advance(minutes=3)
        assert await watch.check() == 1
        assert await shown_online() is False  # every turn is flagged on the console
        await the_hub.kiosks.seen(doc)
        assert await shown_online() is True
    assert pushed == [False, True] * 8
    # the managers heard of the first turn only: one e-mail each, not sixteen
    assert await notices() == ["kiosk_offline"] * 2
    mails = await smtp.wait_for(2)
    assert all("Flapping kiosk" in str(m["Subject"]) for m in mails)

    clock.advance(minutes=30)  # 51 minutes after that notice: still within the hour
    await the_hub.kiosks.seen(doc)  # alive and well
    assert await watch.check() == 0
    assert await notices() == ["kiosk_offline"] * 2
    clock.advance(minutes=10)  # the hour has passed: told how it stands now, once
    await the_hub.kiosks.seen(doc)
    await asyncio.gather(watch.check(), watch.check())
    await watch.check()
    assert await notices() == ["kiosk_offline"] * 2 + ["kiosk_online"] * 2
    mails = await smtp.wait_for(4)

    async def settled() -> list[dict[str, Any]] | None:
        items = await the_hub.store.find(acme.tenant["id"], "outbox")
        return items if all(i["status"] == "sent" for i in items) else None

    await eventually(settled, what="the notices sent")
    assert len(smtp.messages) == 4
