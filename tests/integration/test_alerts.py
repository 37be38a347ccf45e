"""Threshold alerts: a burst of SOS tells the alert's recipients once, through the outbox,
by a real SMTP server and the real Vonage SDK on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hub.alerts.thresholds import ThresholdWatch
from hub.app import Hub
from hub.clock import iso, now, parse_iso
from hub.settings import Settings
from hub.store import open_store
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    email_to,
    eventually,
    quiet,
    running_hub,
    sms_to,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_html, body_text
from tests.integration.vonage_server import VonageServer
from tests.kit import new_sos

PHONE = "34600111222"


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    async with running_hub(tuned(settings, {**smtp.env(), **vonage.env()})) as the_hub:
        yield the_hub


@pytest.fixture
async def acme(live: Hub) -> Seeded:
    return await seed_tenant(live.store, "acme")


def alert_body(point: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "name": "Terrace rush",
        "point": point,
        "count": 3,
        "minutes": 15,
        "recipients": [
            email_to("jefa@acme.example", "Marta", "es"),
            sms_to("+" + PHONE, "Luis", "en"),
        ],
        **fields,
    }


async def create_alert(client: Any, who: Seeded, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/v1/alerts", json=body, headers=who.auth("manager"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    return dict(await r.get_json())


async def threshold_items(the_hub: Hub, who: Seeded) -> list[dict[str, Any]]:
    return await the_hub.store.find(who.tenant["id"], "outbox", {"kind": "threshold"})


async def sos(client: Any, who: Seeded, text: str) -> dict[str, Any]:
    return await new_sos(client, who, text, point=who.point["code"])


async def test_the_third_sos_within_the_window_tells_every_recipient_once(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    alert = await create_alert(client, acme, alert_body(acme.point["code"]))
    assert alert["count"] == 3 and alert["fires"] == 0 and alert["active"] is True

    await sos(client, acme, "Llevamos media hora esperando")
    await sos(client, acme, "Nadie atiende en la terraza")
    await quiet(live)
    assert await threshold_items(live, acme) == []  # two are not a burst of three

    third = await sos(client, acme, "Seguimos sin camarero")
    [mail] = await smtp.wait_for(1)
    [text] = await vonage.wait_for(1)
    await sos(client, acme, "Esto es un desastre")  # the same burst: no second alert
    await quiet(live)

    items = await threshold_items(live, acme)
    assert {(i["channel"], i["kind"]) for i in items} == {
        ("email", "threshold"),
        ("sms", "threshold"),
    }
    assert len(items) == 2
    assert all(i["ticket_id"] == third["id"] for i in items)

    assert mail["To"] == "jefa@acme.example"
    assert "Alerta" in mail["Subject"] and "Bar terrace" in mail["Subject"]
    assert "3 SOS" in mail["Subject"] and "15 min" in mail["Subject"]
    plain = body_text(mail)
    assert f"http://hub.test/console?point={acme.point['code']}" in plain
    assert f"http://hub.test/console?ticket={third['id']}" in plain
    assert "SOS #3" in plain and "SOS #1" in plain
    assert "Bar terrace" in body_html(mail)
    assert text["to"] == PHONE and text["text"].startswith("Alert: 3 SOS within 15 min")
    assert "Bar terrace" in text["text"]

    # the consoles see it: the SOS that completed the burst says so in its history, pushed live
    detail = await (
        await client.get(f"/api/v1/tickets/{third['id']}", headers=acme.auth("agent"))
    ).get_json()
    assert [h["action"] for h in detail["history"]].count("threshold") == 1
    events = await (await client.get("/api/v1/events", headers=acme.auth("agent"))).get_json()
    pushed = [e for e in events["items"] if e["name"] == "ticket.updated"]
    assert any(e["data"]["id"] == third["id"] for e in pushed)

    listed = await (await client.get("/api/v1/alerts", headers=acme.auth("manager"))).get_json()
    [shown] = listed["items"]
    assert shown["fires"] == 1 and shown["fired_at"] and shown["last_fire"]["found"] == 3
    assert len(smtp.messages) == 1 and len(vonage.accepted) == 1


async def test_the_alert_re_arms_once_its_minutes_pass_without_a_burst(
    settings: Settings, smtp: SmtpServer
) -> None:
    # An alert's minute lasts one second here, as escalations' do in their tests.
    async with running_hub(tuned(settings, smtp.env(), escalation_minute=1.0)) as live:
        acme = await seed_tenant(live.store, "acme")
        client = live.quart.test_client()
        body = alert_body(None, count=2, minutes=4, recipients=[email_to("jefa@acme.example")])
        alert = await create_alert(client, acme, body)
        await sos(client, acme, "Uno")
        await sos(client, acme, "Dos")
        await smtp.wait_for(1)
        await sos(client, acme, "Tres, en la misma racha")
        await quiet(live)
        assert len(await threshold_items(live, acme)) == 1

        stored = await live.store.get(acme.tenant["id"], "alerts", alert["id"])
        assert stored is not None
        until = parse_iso(stored["burst_until"])

        async def rearmed() -> bool:
            return now() > until + timedelta(milliseconds=50)

        await eventually(rearmed, 30, "the burst's minutes to pass")
        await sos(client, acme, "Cuatro, otra racha")
        await sos(client, acme, "Cinco")
        await smtp.wait_for(2)
        await quiet(live)
        assert len(await threshold_items(live, acme)) == 2
        fired = await live.store.get(acme.tenant["id"], "alerts", alert["id"])
        assert fired is not None and fired["fires"] == 2


async def test_concurrent_sos_fire_exactly_one_alert_per_burst(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    await create_alert(client, acme, alert_body(acme.point["code"], count=3))
    await asyncio.gather(*(sos(client, acme, f"Mesa {n} sin atender") for n in range(8)))
    await smtp.wait_for(1)
    await quiet(live)
    assert len(await threshold_items(live, acme)) == 2  # one e-mail, one SMS
    assert len(smtp.messages) == 1


async def test_two_processes_counting_on_one_sqlite_file_fire_once(
    live: Hub, acme: Seeded, settings: Settings
) -> None:
    """Two hubs' watchers (two connections to one file) count one burst at once.

    The SOS come 5 minutes apart (0, 5, 10, 16, 21), so counting each one alone finds a
    different window of three (from 0, from 5, from 10): only the compare-and-set on the
    alert keeps them one burst with one fire.
    """
    client = live.quart.test_client()
    alert = await create_alert(client, acme, alert_body(acme.point["code"], count=3))
    start = now() - timedelta(minutes=30)
    tickets = [
        await live.store.insert(
            acme.tenant["id"],
            "tickets",
            {
                "id": f"race-{n}",
                "number": 100 + n,
                "status": "new",
                "text": "x",
                "point": {"code": acme.point["code"], "label": "Bar terrace"},
                "created_at": iso(start + timedelta(minutes=offset)),
                "held": False,
            },
        )
        for n, offset in enumerate((0, 5, 10, 16, 21))
    ]
    stores = [open_store(settings), open_store(settings)]
    for store in stores:
        await store.open()
    try:
        watchers = [ThresholdWatch(store, now) for store in stores]
        fired = await asyncio.gather(
            *(w.ticket_counted(acme.tenant["id"], t) for t in reversed(tickets) for w in watchers)
        )
    finally:
        for store in stores:
            await store.close()
    items = [item for found in fired for item in found]
    assert len(items) == 2  # one fire: its e-mail and its SMS
    stored = await live.store.get(acme.tenant["id"], "alerts", alert["id"])
    assert stored is not None and stored["fires"] == 1
    # the burst lasts 15 minutes past its last SOS
    assert stored["burst_until"] == iso(start + timedelta(minutes=36))


async def test_staff_classifying_later_can_complete_a_category_window(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    client = live.quart.test_client()
    body = alert_body(None, category="complaint", count=2, recipients=[email_to("q@acme.example")])
    await create_alert(client, acme, body)
    first = await sos(client, acme, "Quiero hablar con alguien")
    second = await sos(client, acme, "Otra cosa más")
    await quiet(live)
    assert await threshold_items(live, acme) == []
    for ticket in (first, second):
        r = await client.patch(
            f"/api/v1/tickets/{ticket['id']}",
            json={"category": "complaint_service"},
            headers=acme.auth("agent"),
        )
        assert r.status_code == 200, await r.get_data(as_text=True)
    [mail] = await smtp.wait_for(1)
    assert "Queja" in mail["Subject"] or "queja" in mail["Subject"].lower()
    await quiet(live)
    assert len(await threshold_items(live, acme)) == 1


async def test_a_held_back_sos_never_counts(live: Hub, acme: Seeded) -> None:
    client = live.quart.test_client()
    await create_alert(client, acme, alert_body(acme.point["code"], count=2))
    for _ in range(2):
        await new_sos(client, acme, "Sois unos gilipollas de mierda", point=acme.point["code"])
    await quiet(live)
    assert await threshold_items(live, acme) == []


BAD_BODIES = [
    ({"count": 0}, "count"),
    ({"count": 1}, "count"),
    ({"minutes": 0}, "minutes"),
    ({"minutes": 100000}, "minutes"),
    ({"point": "no-such-point"}, "point"),
    ({"category": "gossip"}, "category"),
    ({"recipients": []}, "recipients"),
    ({"recipients": [{"channel": "pigeon", "to": "x@y.example"}]}, "recipients"),
    ({"recipients": [{"channel": "email", "to": "not-an-address"}]}, "recipients"),
    ({"recipients": [{"channel": "sms", "to": "12"}]}, "recipients"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BODIES)
async def test_a_bad_alert_is_a_400_naming_its_field(
    client: Any, acme_plain: Seeded, change: dict[str, Any], field: str
) -> None:
    body = {**alert_body(acme_plain.point["code"]), **change}
    r = await client.post("/api/v1/alerts", json=body, headers=acme_plain.auth("manager"))
    assert r.status_code == 400, change
    error = (await r.get_json())["error"]
    assert field in error["message"], (change, error)
    listed = await (
        await client.get("/api/v1/alerts", headers=acme_plain.auth("manager"))
    ).get_json()
    assert listed["items"] == []


async def test_alerts_are_for_managers_and_changed_whole(client: Any, acme_plain: Seeded) -> None:
    body = alert_body(acme_plain.point["code"])
    r = await client.post("/api/v1/alerts", json=body, headers=acme_plain.auth("agent"))
    assert r.status_code == 403
    made = await create_alert(client, acme_plain, body)
    url = f"/api/v1/alerts/{made['id']}"
    r = await client.put(
        url, json={**body, "count": 5, "active": False}, headers=acme_plain.auth("manager")
    )
    assert r.status_code == 200
    changed = await r.get_json()
    assert changed["count"] == 5 and changed["active"] is False and changed["id"] == made["id"]
    r = await client.put(url, json={**body, "minutes": 0}, headers=acme_plain.auth("manager"))
    assert r.status_code == 400 and "minutes" in (await r.get_json())["error"]["message"]
    assert (await client.delete(url, headers=acme_plain.auth("manager"))).status_code == 204
    assert (await client.get(url, headers=acme_plain.auth("manager"))).status_code == 404


@pytest.fixture
async def acme_plain(hub: Hub) -> Seeded:
    return await seed_tenant(hub.store, "acme")


async def test_a_job_that_died_after_winning_the_fire_stores_its_items_when_run_again(
    live: Hub, acme: Seeded
) -> None:
    client = live.quart.test_client()
    await create_alert(client, acme, alert_body(acme.point["code"], count=2))
    tenant = acme.tenant["id"]
    watch = ThresholdWatch(live.store, now)
    tickets = []
    for n in range(2):  # stored and counted one after the other, as intake does
        ticket = await live.store.insert(
            tenant,
            "tickets",
            {
                "id": f"lost-{n}",
                "number": 200 + n,
                "status": "new",
                "text": "x",
                "point": {"code": acme.point["code"], "label": "Bar terrace"},
                "created_at": iso(now() - timedelta(minutes=2 - n)),
                "held": False,
            },
        )
        tickets.append(ticket)
        if n == 0:
            assert await watch.ticket_counted(tenant, ticket) == []
    first = await watch.ticket_counted(tenant, tickets[1])
    assert len(first) == 2
    for item in first:  # as if the job had died before storing them
        await live.store.delete(tenant, "outbox", item["id"])
    again = await watch.ticket_counted(tenant, tickets[1])
    assert sorted(i["id"] for i in again) == sorted(i["id"] for i in first)
    assert await watch.ticket_counted(tenant, tickets[1]) == []  # and never twice
    assert await watch.ticket_counted(tenant, tickets[0]) == []
