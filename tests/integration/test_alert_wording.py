"""What alert recipients and guests read: GSM-only SMS wording, establishment names, the
recipient's translation on the acknowledge page and in the first alert, the reply e-mail's
no-reply line and headers. A real SMTP server, the Vonage SDK against a local server, and
the LibreTranslate-shaped local server for translations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.accounts.services import create_point
from hub.app import Hub
from hub.i18n import SUPPORTED
from hub.notify.render import Renderer
from hub.notify.sms import sms_type
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    ack_link,
    add_rule,
    email_to,
    rule,
    running_hub,
    sms_to,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_html, body_text
from tests.integration.translate_server import TranslateServer
from tests.integration.vonage_server import VonageServer

# GSM-only, and long enough to be cut in the SMS (the guest's own words need no unicode)
GUEST_TEXT = (
    "La ducha de la piscina sigue rota desde esta mañana y nadie viene a arreglarla, "
    "por favor mandad a alguien"
)
FRENCH = "Il y a un verre cassé près de la piscine des enfants, venez vite"


@pytest.fixture
def translator() -> Iterator[TranslateServer]:
    with TranslateServer() as server:
        yield server


@pytest.fixture
async def live(
    settings: Settings, smtp: SmtpServer, vonage: VonageServer, translator: TranslateServer
) -> AsyncIterator[Hub]:
    env = {**smtp.env(), **vonage.env(), **translator.env()}
    async with running_hub(tuned(settings, env)) as the_hub:
        yield the_hub


async def _terrace(the_hub: Hub, establishment: str) -> tuple[Seeded, dict[str, Any]]:
    acme = await seed_tenant(the_hub.store, "acme")  # "Business acme", works in Spanish
    point = await create_point(
        the_hub.store,
        acme.tenant,
        code="terrace",
        label="Terraza del bar",
        establishment=establishment,
    )
    return acme, point


async def test_alert_sms_use_gsm_characters_and_name_the_establishment_not_its_code(
    live: Hub, smtp: SmtpServer, vonage: VonageServer
) -> None:
    acme, point = await _terrace(live, "Hotel Mirador Playa")
    await add_rule(
        live.store,
        acme.tenant,
        rule([email_to("ana@acme.example"), sms_to("+34600111222", "Xoán", "es")]),
    )
    await submit(live.quart.test_client(), point["code"], GUEST_TEXT, language="es")
    [sms] = await vonage.wait_for(1)
    [mail] = await smtp.wait_for(1)
    assert sms["text"].startswith("SOS #1 Terraza del bar - Hotel Mirador Playa: La ducha")
    assert "..." in sms["text"]  # the text is cut, with a GSM ellipsis
    assert sms_type(sms["text"]) == "text", sms["text"]
    assert sms["type"] == "text"  # what Vonage was told: 160 characters a part
    assert "hotel-mirador-playa" not in sms["text"]
    assert "Terraza del bar · Hotel Mirador Playa" in mail["Subject"]
    assert "hotel-mirador-playa" not in body_text(mail) + body_html(mail)


async def test_an_establishment_named_like_the_business_is_not_repeated(
    live: Hub, smtp: SmtpServer
) -> None:
    acme, point = await _terrace(live, "Business acme")
    await add_rule(live.store, acme.tenant, rule([email_to("ana@acme.example")]))
    await submit(live.quart.test_client(), point["code"], GUEST_TEXT, language="es")
    [mail] = await smtp.wait_for(1)
    assert "SOS n.º 1 en Terraza del bar:" in mail["Subject"], mail["Subject"]
    assert "business-acme" not in body_text(mail)


@pytest.mark.parametrize("language", SUPPORTED)
def test_the_hubs_own_sms_words_are_gsm_in_every_language(language: str) -> None:
    """Alert, escalation, survey and reply SMS whose variable parts are GSM: so is all."""
    renderer = Renderer()
    ticket = {
        "id": "t1",
        "number": 16,
        "text": GUEST_TEXT,
        "language": "es",
        "translations": {},
        "point": {"code": "terrace", "label": "Terraza del bar"},
        "establishment_name": "Hotel Mirador Playa",
        "created_at": "2026-12-05T04:00:00+00:00",
    }
    tenant = {"name": "Hotel Mirador", "timezone": "Europe/Madrid", "language": "es"}
    texts = []
    for kind in ("alert", "escalation"):
        item = {"channel": "sms", "language": language, "kind": kind, "step": 1}
        texts.append(renderer.alert(item, ticket, tenant, ack_url="http://h/a", open_url="x").text)
    texts.append(
        renderer.sms(
            language, "survey", {"tenant_name": "Hotel Mirador", "number": 16, "url": "u"}
        ).text
    )
    message = {"text": GUEST_TEXT * 4, "translations": {}}
    item = {"channel": "sms", "language": language, "kind": "reply"}
    texts.append(renderer.reply(item, ticket, tenant, message, thread_url="http://h/t/x").text)
    for text in texts:
        assert sms_type(text) == "text", (language, text)


async def test_the_acknowledge_page_shows_the_recipients_translation_labelled(
    live: Hub, vonage: VonageServer
) -> None:
    acme, point = await _terrace(live, "Hotel Mirador Playa")
    await add_rule(
        live.store, acme.tenant, rule([sms_to("+34600111222", "Xoán", "gl")], name="Noite")
    )
    client = live.quart.test_client()
    await submit(client, point["code"], FRENCH, language="fr")
    [sms] = await vonage.wait_for(1)
    path = urlsplit(ack_link(sms["text"])).path
    page = await (await client.get(path)).get_data(as_text=True)
    assert '<html lang="gl"' in page
    assert f'lang="fr">{FRENCH}</blockquote>' in page
    assert "Tradución automática (gl):" in page
    assert f'id="ack-translation" lang="gl">[gl] {FRENCH}</blockquote>' in page
    assert "Terraza del bar · Hotel Mirador Playa" in page


async def test_the_first_alert_carries_the_recipients_translation_through_a_slow_provider(
    live: Hub, vonage: VonageServer, translator: TranslateServer
) -> None:
    """Translations into the languages of later recipients (ca, en: an escalation) hang;
    the Galician SMS sent now still carries its own translation."""
    acme, point = await _terrace(live, "Hotel Mirador Playa")
    later = [{"after_minutes": 30, "recipients": [email_to("m@acme.example", "Montse", "ca")]}]
    await add_rule(
        live.store,
        acme.tenant,
        rule(
            [sms_to("+34600111222", "Xoán", "gl"), email_to("n@acme.example", "Night", "en")],
            escalation=later,
        ),
    )
    translator.held = {"ca"}
    await submit(live.quart.test_client(), point["code"], FRENCH, language="fr")
    [sms] = await vonage.wait_for(1)
    translator.release.set()
    assert "[gl] Il y a un verre" in sms["text"], sms["text"]


async def test_the_reply_email_says_not_to_answer_it_and_is_marked_automatic(
    live: Hub, smtp: SmtpServer
) -> None:
    acme, point = await _terrace(live, "Hotel Mirador Playa")
    await add_rule(live.store, acme.tenant, rule([email_to("ana@acme.example")]))
    client = live.quart.test_client()
    sos = await submit(
        client,
        point["code"],
        FRENCH,
        language="fr",
        contact={"name": "Camille", "email": "camille@example.fr"},
    )
    await smtp.wait_for(1)
    response = await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Ya vamos con una escoba."},
        headers=acme.auth(),
    )
    assert response.status_code == 201
    mails = await smtp.wait_for(2)
    [reply] = [m for m in mails if m["To"] == "camille@example.fr"]
    assert reply["Auto-Submitted"] == "auto-generated"
    assert reply["Reply-To"] is None  # the business has no mailbox setting to point at
    text, html = body_text(reply), body_html(reply)
    words = "Ne répondez pas à cet e-mail"
    assert words in text and words in html
    assert sos["thread_url"] in text
    assert re.search(r'<html lang="fr">', html)
    assert 'lang="es">Ya vamos con una escoba.</blockquote>' in html
    assert re.search(r'<blockquote lang="fr"[^>]*>\[fr\] Ya vamos con una escoba\.<', html)
    [alert] = [m for m in mails if m["To"] == "ana@acme.example"]
    assert alert["Auto-Submitted"] == "auto-generated"
    assert '<html lang="es">' in body_html(alert)
    assert f'lang="fr">{FRENCH}</blockquote>' in body_html(alert)


async def test_the_galician_invalid_link_page_speaks_of_the_link_as_feminine(
    live: Hub,
) -> None:
    page = await live.quart.test_client().get(
        "/ack/not-a-real-token", headers={"Accept-Language": "gl"}
    )
    assert page.status_code == 403
    html = await page.get_data(as_text=True)
    assert "Non a enviamos nós ou está incompleta." in html
