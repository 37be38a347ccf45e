"""Kiosks on hotel Wi-Fi: a retried submission makes one ticket; a silent kiosk is flagged.

In-process hubs (the shared `hub` fixture, or one with SMTP and a stepped clock), real
SQLite, aiosmtpd on loopback.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hub.app import Hub
from hub.clock import SteppedClock
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import eventually
from tests.integration.smtp_server import SmtpServer, body_text


async def new_kiosk(client: Any, who: Seeded, **fields: Any) -> dict[str, Any]:
    body = {"name": "Lobby kiosk", "point": who.point["code"], **fields}
    r = await client.post("/api/v1/kiosks", json=body, headers=who.auth("manager"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    return dict(await r.get_json())


def device(kiosk: dict[str, Any], key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {kiosk['device_token']}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


async def tickets_with(the_hub: Hub, who: Seeded, text: str) -> list[dict[str, Any]]:
    docs = await the_hub.store.find(who.tenant["id"], "tickets")
    return [d for d in docs if d["text"] == text]


async def test_a_retried_submission_answers_the_same_ticket_and_makes_one(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    kiosk = await new_kiosk(client, acme)
    body: dict[str, Any] = {"text": "The shower in room 12 is flooding", "anonymous": True}
    first = await client.post("/api/v1/kiosk/sos", json=body, headers=device(kiosk, "k-0001-abcd"))
    assert first.status_code == 201
    again = await client.post("/api/v1/kiosk/sos", json=body, headers=device(kiosk, "k-0001-abcd"))
    assert again.status_code == 200  # the answer the kiosk lost, once more
    a, b = await first.get_json(), await again.get_json()
    assert (a["id"], a["number"], a["thread_url"]) == (b["id"], b["number"], b["thread_url"])
    assert len(await tickets_with(hub, acme, body["text"])) == 1

    other = await client.post("/api/v1/kiosk/sos", json=body, headers=device(kiosk, "k-0002-abcd"))
    assert other.status_code == 201 and (await other.get_json())["id"] != a["id"]
    assert len(await tickets_with(hub, acme, body["text"])) == 2


async def test_racing_retries_of_one_submission_make_exactly_one_ticket(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    kiosk = await new_kiosk(client, acme)
    body: dict[str, Any] = {"text": "Someone fainted by the pool", "anonymous": True}
    answers = await asyncio.gather(
        *(
            client.post("/api/v1/kiosk/sos", json=body, headers=device(kiosk, "race-key-0001"))
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    ids = {(await r.get_json())["id"] for r in answers}
    assert len(ids) == 1
    assert len(await tickets_with(hub, acme, body["text"])) == 1


async def test_a_refused_submission_gives_its_key_back_and_bad_keys_are_named(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    kiosk = await new_kiosk(client, acme, departments=["bar"])
    key = device(kiosk, "refused-key-01")
    r = await client.post(
        "/api/v1/kiosk/sos", json={"text": "Help", "department": "kitchen"}, headers=key
    )
    assert r.status_code == 400
    r = await client.post("/api/v1/kiosk/sos", json={"text": "Help at the bar"}, headers=key)
    assert r.status_code == 201  # judged afresh, not "already sent"

    for bad in ("short", "has spaces in it", "x" * 101, "semi;colon-key"):
        r = await client.post("/api/v1/kiosk/sos", json={"text": "Hi"}, headers=device(kiosk, bad))
        assert r.status_code == 400, bad
        error = (await r.get_json())["error"]
        assert error["code"] == "invalid" and "Idempotency-Key" in error["message"]


async def test_the_offline_limit_is_a_setting_checked_by_name(client: Any, acme: Seeded) -> None:
    kiosk = await new_kiosk(client, acme)
    assert kiosk["offline_minutes"] == 10 and kiosk["online"] is True
    url = f"/api/v1/kiosks/{kiosk['id']}"
    for bad in (1, 1441, "ten", True):
        r = await client.patch(url, json={"offline_minutes": bad}, headers=acme.auth("manager"))
        assert r.status_code == 400, bad
        assert "offline_minutes" in (await r.get_json())["error"]["message"]
    r = await client.patch(url, json={"offline_minutes": 3}, headers=acme.auth("manager"))
    assert r.status_code == 200 and (await r.get_json())["offline_minutes"] == 3


async def test_a_silent_kiosk_is_flagged_once_and_back_once_with_one_mail_each(
    watched: tuple[Hub, SteppedClock], smtp: SmtpServer
) -> None:
    the_hub, clock = watched
    acme = await seed_tenant(the_hub.store, "acme")
    client = the_hub.quart.test_client()
    kiosk = await new_kiosk(client, acme, name="Hall kiosk", offline_minutes=10)
    doc = await the_hub.store.get(acme.tenant["id"], "kiosks", kiosk["id"])
    assert doc is not None
    watch = the_hub.kiosks.watch

    assert await watch.check() == 0  # never seen: not installed yet, not news
    await the_hub.kiosks.seen(doc)
    clock.advance(minutes=9)
    assert await watch.check() == 0
    clock.advance(minutes=2)  # eleven minutes of silence
    assert sorted(await asyncio.gather(watch.check(), watch.check())) == [0, 1]
    assert await watch.check() == 0  # flagged once

    status = await client.get("/api/v1/kiosks/status", headers=acme.auth("agent"))
    [shown] = (await status.get_json())["items"]
    assert shown["online"] is False and shown["offline_since"] and shown["name"] == "Hall kiosk"

    managers = {str(acme.users[r]["email"]) for r in ("manager", "admin")}
    mails = await smtp.wait_for(2)
    assert {str(m["To"]) for m in mails} == managers  # managers and admins, not agents
    assert all("Hall kiosk" in str(m["Subject"]) for m in mails)
    assert "Bar terrace" in body_text(mails[0])
    assert "http://hub.test/admin/kiosks" in body_text(mails[0])

    await the_hub.kiosks.seen(doc)  # its heartbeat again
    await the_hub.kiosks.seen(doc)
    status = await client.get("/api/v1/kiosks/status", headers=acme.auth("agent"))
    assert (await status.get_json())["items"][0]["online"] is True  # flagged back at once
    # … and mailed once the hour after the offline notice has passed (at most one notice
    # per kiosk per hour: a kiosk flapping on bad Wi-Fi sent one per turn)
    clock.advance(hours=1)
    await the_hub.kiosks.seen(doc)  # its heartbeats go on meanwhile
    assert await watch.check() == 0
    mails = await smtp.wait_for(4)
    await asyncio.sleep(0)  # nothing more is on its way: the outbox says so below

    async def settled() -> list[dict[str, Any]] | None:
        items = await the_hub.store.find(acme.tenant["id"], "outbox")
        return items if all(i["status"] == "sent" for i in items) else None

    items = await eventually(settled, what="the notices sent")
    kinds = sorted(i["kind"] for i in items)
    assert kinds == ["kiosk_offline"] * 2 + ["kiosk_online"] * 2
    assert len(smtp.messages) == 4
