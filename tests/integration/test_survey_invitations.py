"""The survey invitation after resolution: one e-mail (real aiosmtpd) or one SMS (the Vonage
SDK against the local fake), with a working link that expires; never twice, never to the
anonymous."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.app import Hub
from hub.settings import Settings
from hub.surveys.links import invite_token, read_invite_token
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    eventually,
    outbox_items,
    quiet,
    running_hub,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_html, body_text
from tests.integration.test_surveys import resolve
from tests.integration.vonage_server import VonageServer

LINK = r"http://hub.test/survey/"


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    async with running_hub(tuned(settings, {**smtp.env(), **vonage.env()})) as the_hub:
        yield the_hub


@pytest.fixture
async def acme(live: Hub) -> Seeded:
    return await seed_tenant(live.store, "acme")


def survey_link(text: str) -> str:
    start = text.index(LINK)
    return text[start:].split()[0]


async def survey_items(live: Hub, who: Seeded, ticket_id: str) -> list[dict[str, Any]]:
    return [
        i for i in await outbox_items(live.store, who.tenant, ticket_id) if i["kind"] == "survey"
    ]


async def test_a_resolved_ticket_invites_its_customer_once_by_email_with_a_working_link(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(
        client,
        acme.point["code"],
        "La ducha no tiene agua caliente",
        contact={"name": "Marta", "email": "marta@guest.example", "phone": "+34 611 222 333"},
        language="es",
    )
    await quiet(live)
    assert smtp.messages == []  # no rule, no reply: nothing sent before the resolution
    await resolve(client, acme, sos["id"])
    [mail] = await smtp.wait_for(1)
    assert mail["To"] == "marta@guest.example"
    text = body_text(mail)
    assert "Marta" in text and "Business acme" in text and "14" in text
    assert "¿Qué tal lo hizo" in str(mail["Subject"])
    link = survey_link(text)
    assert link in body_html(mail)
    # the link opens the thread's survey
    r = await client.get(urlsplit(link).path)
    assert r.status_code == 303 and r.headers["Location"] == f"/t/{sos['token']}#survey"
    page = await (await client.get(f"/t/{sos['token']}")).get_data(as_text=True)
    assert 'id="survey-form"' in page
    # its expiry is the setting's 14 days from the invitation
    tenant_id, ticket_id = read_invite_token(
        "test-secret", urlsplit(link).path.rsplit("/", 1)[1], datetime.now(UTC) + timedelta(days=13)
    )
    assert (tenant_id, ticket_id) == (acme.tenant["id"], sos["id"])

    # reopened by the customer, resolved again: still the one invitation
    r = await client.post(f"/t/{sos['token']}", form={"text": "Sigue sin agua caliente"})
    assert r.status_code == 303
    detail = await (
        await client.get(f"/api/v1/tickets/{sos['id']}", headers=acme.auth())
    ).get_json()
    assert detail["status"] != "resolved"
    await resolve(client, acme, sos["id"])
    await quiet(live)
    assert len(smtp.messages) == 1 and vonage.accepted == []
    [item] = await survey_items(live, acme, sos["id"])
    assert (item["channel"], item["status"]) == ("email", "sent")


async def test_a_customer_with_only_a_phone_gets_one_sms_in_their_language(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(
        client,
        acme.point["code"],
        "Il n'y a plus de serviettes dans la chambre",
        contact={"name": "Luc", "phone": "+33 6 12 34 56 78"},
        language="fr",
    )
    await resolve(client, acme, sos["id"])
    [sms] = await vonage.wait_for(1)
    assert sms["to"] == "33612345678"
    assert "comment avons-nous traité votre message" in sms["text"] and LINK in sms["text"]
    await quiet(live)
    assert len(vonage.accepted) == 1 and smtp.messages == []


async def test_anonymous_customers_get_no_invitation_and_the_setting_turns_it_off(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    anonymous = await submit(client, acme.point["code"], "Hay humo en el pasillo", anonymous=True)
    await resolve(client, acme, anonymous["id"])
    r = await client.put("/api/v1/survey", json={"invite": False}, headers=acme.auth("manager"))
    assert r.status_code == 200
    named = await submit(
        client, acme.point["code"], "Falta una silla", contact={"email": "p@guest.example"}
    )
    await resolve(client, acme, named["id"])
    await quiet(live)
    assert smtp.messages == [] and vonage.accepted == []
    assert await survey_items(live, acme, anonymous["id"]) == []
    assert await survey_items(live, acme, named["id"]) == []


async def test_an_expired_or_forged_link_gets_a_clear_page(live: Hub, acme: Seeded) -> None:
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "La tele no va", anonymous=True)
    past = datetime.now(UTC) - timedelta(minutes=1)
    expired = invite_token("test-secret", acme.tenant["id"], sos["id"], past)
    r = await client.get(f"/survey/{expired}?lang=es")
    assert r.status_code == 410
    page = await r.get_data(as_text=True)
    assert "Este enlace a la encuesta ha caducado" in page and sos["token"] not in page
    forged = invite_token("another-secret", acme.tenant["id"], sos["id"], past + timedelta(days=9))
    assert (await client.get(f"/survey/{forged}")).status_code == 404


async def test_the_link_shown_to_customers_is_counted_as_the_setting_says(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    client = live.quart.test_client()
    r = await client.put("/api/v1/survey", json={"invite_days": 3}, headers=acme.auth("manager"))
    assert r.status_code == 200
    sos = await submit(
        client, acme.point["code"], "Ruido", contact={"email": "n@guest.example"}, language="en"
    )
    await resolve(client, acme, sos["id"])
    [mail] = await smtp.wait_for(1)
    assert "3 days" in body_text(mail)
    token = urlsplit(survey_link(body_text(mail))).path.rsplit("/", 1)[1]

    async def expired_after_three_days() -> bool:
        try:
            read_invite_token(
                "test-secret", token, datetime.now(UTC) + timedelta(days=3, minutes=1)
            )
        except Exception as exc:
            return type(exc).__name__ == "InviteExpired"
        return False

    assert await eventually(expired_after_three_days, 1.0, "an expired link")
