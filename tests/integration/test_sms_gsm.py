"""Every SMS the hub sends is in GSM characters, in every language: an alert, its
escalation, a reply and a survey invitation to a guest, a threshold alert and a detractor
alert. One non-GSM character makes Vonage send the whole SMS as unicode (70 characters a
part instead of 160). Real flows, the real Vonage SDK against the local fake; what the fake
received is checked against the GSM 03.38 alphabet (basic set and extension table)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.accounts.services import create_point
from hub.app import Hub
from hub.i18n import SUPPORTED
from hub.notify.gsm import is_gsm7
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    add_rule,
    eventually,
    rule,
    running_hub,
    sms_to,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer
from tests.integration.vonage_server import VonageServer

KINDS = ("alert", "escalation", "reply", "survey", "threshold", "detractor")
# Words outside the GSM set a guest, the staff and the set-up really type
SOS_TEXT = "La ducha está rota, ¿podéis venir? Habitación 12 – gracias…"
REPLY_TEXT = "Ya vamos: “en camino”, disculpe las molestias – Íñigo"


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    env = {**smtp.env(), **vonage.env()}
    async with running_hub(tuned(settings, env, escalation_minute=0.2)) as the_hub:
        yield the_hub


def number(group: int, index: int) -> str:
    return f"3460{group}00000{index}"


async def _business(live: Hub, client: Any) -> Seeded:
    """A business with accented names: its own, a point's, an establishment's."""
    acme = await seed_tenant(live.store, "acme")
    r = await client.patch(
        "/api/v1/tenant",
        json={"name": "Hôtel Mirador & Spa"},
        headers={**acme.auth("manager")},
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    for code, label in (("recepcion", "Recepción"), ("piscina", "Solárium y piscina")):
        await create_point(
            live.store, acme.tenant, code=code, label=label, establishment="Hôtel Playa Señorío"
        )
    return acme


async def _staff_ticket(live: Hub, client: Any, acme: Seeded) -> dict[str, Any]:
    """Alerts and escalations in every language, then a bad survey answer: detractor SMS."""
    recipients = [sms_to(number(1, i), "Xoán", lang) for i, lang in enumerate(SUPPORTED)]
    later = [sms_to(number(2, i), "Íñigo", lang) for i, lang in enumerate(SUPPORTED)]
    await add_rule(
        live.store,
        acme.tenant,
        rule(
            recipients,
            points=["recepcion"],
            escalation=[{"after_minutes": 1, "recipients": later}],
        ),
    )
    return await submit(client, "recepcion", SOS_TEXT, language="es")


async def _sms_items(live: Hub, acme: Seeded, count: int) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        items = await live.store.find(acme.tenant["id"], "outbox", {"channel": "sms"})
        done = [i for i in items if i["status"] != "pending"]
        return items if len(items) >= count and len(done) == len(items) else None

    return await eventually(check, 30.0, f"{count} settled SMS")


async def test_every_sms_kind_in_every_language_is_gsm(
    live: Hub, vonage: VonageServer, smtp: SmtpServer
) -> None:
    client = live.quart.test_client()
    acme = await _business(live, client)
    manager = acme.auth("manager")
    staff = await _staff_ticket(live, client, acme)
    r = await client.post(
        "/api/v1/alerts",
        json={
            "name": "Piscina",
            "point": "piscina",
            "category": "claim_disputed",
            "count": 2,
            "minutes": 60,
            "recipients": [sms_to(number(3, i), "Ana", lang) for i, lang in enumerate(SUPPORTED)],
        },
        headers=manager,
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    # the escalation is due within a second: let it go before anyone touches the ticket
    await _sms_items(live, acme, 2 * len(SUPPORTED))

    guests = []
    for i, lang in enumerate(SUPPORTED):
        guests.append(
            await submit(
                client,
                "piscina",
                SOS_TEXT,
                language=lang,
                contact={"name": "Guest", "phone": "+" + number(4, i)},
            )
        )
    for guest in guests:
        r = await client.post(
            f"/api/v1/tickets/{guest['id']}/replies", json={"text": REPLY_TEXT}, headers=manager
        )
        assert r.status_code == 201, await r.get_data(as_text=True)
    for guest in guests[:2]:  # two disputed resolutions at the pool: the threshold fires
        r = await client.patch(
            f"/api/v1/tickets/{guest['id']}", json={"category": "claim_disputed"}, headers=manager
        )
        assert r.status_code == 200, await r.get_data(as_text=True)
    for ticket in [*guests, staff]:  # the guests are invited to the survey
        r = await client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"}, headers=manager
        )
        assert r.status_code == 200, await r.get_data(as_text=True)
    r = await client.post(f"/api/v1/thread/{staff['token']}/survey", json={"rating": "bad"})
    assert r.status_code == 201, await r.get_data(as_text=True)

    items = await _sms_items(live, acme, len(KINDS) * len(SUPPORTED))
    assert all(i["status"] == "sent" for i in items), [(i["kind"], i["reason"]) for i in items]
    received = {sms["client-ref"]: sms for sms in vonage.accepted}
    sent = {(i["kind"], i["language"]): received[i["id"]] for i in items}
    assert sorted(sent) == sorted((k, lang) for k in KINDS for lang in SUPPORTED)
    for (kind, lang), sms in sent.items():
        assert is_gsm7(sms["text"]), (kind, lang, sms["text"])
        assert sms["type"] == "text", (kind, lang)  # Vonage was told: 160 characters a part
    # the words are still there, spelled in GSM
    assert "Desacuerdo con la resolucion" in sent[("threshold", "es")]["text"]
    assert "Solarium y piscina" in sent[("threshold", "es")]["text"]
    assert "Recepcion - Hotel Playa Señorio" in sent[("alert", "es")]["text"]
    assert "Recepcion - Hotel Playa Señorio" in sent[("detractor", "ca")]["text"]
    assert "esta rota" in sent[("escalation", "de")]["text"]
    # a reply reaches a French guest translated when Apertium answers within its budget, as
    # written when it does not: the Spanish guest's is the staff's own words either way
    assert sent[("reply", "fr")]["text"].startswith("Hotel Mirador & Spa #")
    assert 'Ya vamos: "en camino", disculpe las molestias - Iñigo' in sent[("reply", "es")]["text"]
