"""Translation: offline detection, Apertium for real when installed, HTTP providers on
loopback, and a failing provider that leaves the original text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.app import Hub
from hub.settings import Settings
from hub.translate.detect import warm_up
from hub.translate.providers import (
    ApertiumTranslator,
    DeepLTranslator,
    LibreTranslateTranslator,
    RoutedTranslator,
    TranslationFailed,
    build_translator,
)
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    add_rule,
    email_to,
    eventually,
    rule,
    running_hub,
    settled,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_text
from tests.integration.translate_server import TranslateServer

needs_apertium = pytest.mark.skipif(
    not ApertiumTranslator.available() or not ApertiumTranslator().supports("es", "en"),
    reason="Apertium with apertium-eng-spa is not installed (.ci/run installs it with apt)",
)


# The Debian pairs .ci/run installs (README.md, "Translation").
PAIRS = (("fr", "es"), ("es", "fr"), ("ca", "en"), ("fr", "en"), ("gl", "en"))
needs_pairs = pytest.mark.skipif(
    not ApertiumTranslator.available() or not all(ApertiumTranslator().route(*p) for p in PAIRS),
    reason="Apertium's fr-es, spa-cat, eng-cat, es-gl pairs are missing (.ci/run installs them)",
)


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    """The language models, loaded here once: a hub's first SOS would otherwise be routed
    before they are (hub/translate/detect.py, LOAD_WAIT) on a busy machine."""
    warm_up()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def translator() -> Iterator[TranslateServer]:
    with TranslateServer() as server:
        yield server


async def _seed(the_hub: Hub, *recipients: dict[str, Any]) -> Seeded:
    acme = await seed_tenant(the_hub.store, "acme")  # works in Spanish
    await add_rule(the_hub.store, acme.tenant, rule(list(recipients)))
    return acme


async def _ticket(the_hub: Hub, acme: Seeded, ticket_id: str, key: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        ticket = await the_hub.store.get(acme.tenant["id"], "tickets", ticket_id)
        return ticket if ticket and ticket.get(key) else None

    return await eventually(check, 20, f"the ticket's {key}")


@needs_apertium
async def test_apertium_translates_spanish_into_english_and_back() -> None:
    apertium = ApertiumTranslator()
    english = await apertium.translate("El agua de la piscina está fría", "es", "en")
    assert "water" in english.lower() and "cold" in english.lower()
    spanish = await apertium.translate("The water is cold", "en", "es")
    assert "agua" in spanish.lower()
    with pytest.raises(TranslationFailed):
        await apertium.translate("Bonjour", "fr", "xx")


@needs_apertium
async def test_an_english_sos_reaches_a_spanish_recipient_with_apertiums_translation(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with running_hub(tuned(settings, smtp.env())) as the_hub:
        assert build_translator(the_hub.settings).name == "apertium"
        acme = await _seed(the_hub, email_to("ana@acme.example", "Ana", "es"))
        sos = await submit(
            the_hub.quart.test_client(),
            acme.point["code"],
            "The water in the swimming pool is very cold",
        )
        ticket = await _ticket(the_hub, acme, sos["id"], "translations")
        assert ticket["language"] == "en"  # detected from the text
        assert "agua" in ticket["translations"]["es"].lower()
        [mail] = await smtp.wait_for(1)
        text = body_text(mail)
        assert "The water in the swimming pool is very cold" in text
        assert ticket["translations"]["es"] in text


async def test_a_libretranslate_server_translates_for_each_recipients_language(
    settings: Settings, smtp: SmtpServer, translator: TranslateServer
) -> None:
    env = {**smtp.env(), **translator.env()}
    async with running_hub(tuned(settings, env)) as the_hub:
        acme = await _seed(
            the_hub,
            email_to("ana@acme.example", "Ana", "es"),
            email_to("john@acme.example", "John", "en"),
        )
        sos = await submit(the_hub.quart.test_client(), acme.point["code"], "La ducha no funciona")
        await settled(the_hub.store, acme.tenant, sos["id"], 2)
        ticket = await the_hub.store.get(acme.tenant["id"], "tickets", sos["id"])
        assert ticket is not None
        assert (ticket["language"], ticket["translations"]) == (
            "es",
            {"en": "The shower does not work"},
        )
        assert ticket["text"] == "La ducha no funciona"
        [request] = translator.requests
        assert request["path"] == "/translate"
        assert request["body"] == {
            "q": "La ducha no funciona",
            "source": "es",
            "target": "en",
            "format": "text",
            "api_key": "translate-key",
        }
        john = body_text(smtp.to("john@acme.example")[0])
        assert "La ducha no funciona" in john and "The shower does not work" in john
        ana = body_text(smtp.to("ana@acme.example")[0])
        assert "The shower does not work" not in ana  # her language is the SOS's own


async def test_a_failing_provider_leaves_the_original_text_and_says_why(
    settings: Settings, smtp: SmtpServer, translator: TranslateServer
) -> None:
    translator.failures = 100
    env = {**smtp.env(), **translator.env()}
    async with running_hub(tuned(settings, env)) as the_hub:
        acme = await _seed(the_hub, email_to("john@acme.example", "John", "en"))
        sos = await submit(the_hub.quart.test_client(), acme.point["code"], "La ducha no funciona")
        ticket = await _ticket(the_hub, acme, sos["id"], "translation_errors")
        assert ticket["text"] == "La ducha no funciona" and ticket["translations"] == {}
        assert "HTTP 500" in ticket["translation_errors"]["en"]
        [item] = await settled(the_hub.store, acme.tenant, sos["id"], 1)
        assert item["status"] == "sent"  # the alert went out, in the original
        assert "La ducha no funciona" in body_text(smtp.messages[0])


async def test_a_staff_reply_is_translated_into_the_customers_language(
    settings: Settings, smtp: SmtpServer, translator: TranslateServer
) -> None:
    env = {**smtp.env(), **translator.env()}
    async with running_hub(tuned(settings, env)) as the_hub:
        acme = await _seed(the_hub)
        client = the_hub.quart.test_client()
        sos = await submit(
            client,
            acme.point["code"],
            "The shower does not work",
            contact={"email": "guest@example.org"},
        )
        await _ticket(the_hub, acme, sos["id"], "translations")
        response = await client.post(
            f"/api/v1/tickets/{sos['id']}/replies",
            json={"text": "La ducha no funciona"},
            headers=acme.auth(),
        )
        assert response.status_code == 201
        token = sos["thread_url"].rsplit("/", 1)[1]

        async def translated() -> list[dict[str, Any]] | None:
            thread = await (await client.get(f"/api/v1/thread/{token}")).get_json()
            found = [m for m in thread["messages"] if m["translations"]]
            return found or None

        [message] = await eventually(translated, what="the reply's translation")
        assert message["text"] == "La ducha no funciona"
        assert message["translations"] == {"en": "The shower does not work"}
        [mail] = [m for m in await smtp.wait_for(1) if m["To"] == "guest@example.org"]
        text = body_text(mail)
        assert "La ducha no funciona" in text and "The shower does not work" in text


async def test_the_text_decides_the_language_unless_the_api_caller_named_it(
    settings: Settings, translator: TranslateServer
) -> None:
    async with running_hub(tuned(settings, translator.env())) as the_hub:
        acme = await _seed(the_hub)
        # The form passes its page's language, which is not the customer's word on it.
        from_form = await the_hub.tickets.submit_sos(
            acme.tenant,
            acme.point,
            text="The towels in room 12 are dirty",
            anonymous=True,
            language="es",
        )
        named = await submit(
            the_hub.quart.test_client(),
            acme.point["code"],
            "The shower does not work",
            language="es",
        )
        detected = await _ticket(the_hub, acme, from_form["id"], "translations")
        assert detected["language"] == "en"
        kept = await _ticket(the_hub, acme, named["id"], "routed_at")
        assert kept["language"] == "es"


async def test_a_deepl_shaped_api_is_spoken_too(translator: TranslateServer) -> None:
    deepl = DeepLTranslator(translator.url, "deepl-key")
    assert await deepl.translate("La ducha no funciona", "es", "en") == "The shower does not work"
    [request] = translator.requests
    assert request["path"] == "/v2/translate"
    assert request["auth"] == "DeepL-Auth-Key deepl-key"
    assert request["body"]["target_lang"] == "EN"
    translator.failures = 1
    with pytest.raises(TranslationFailed):
        await LibreTranslateTranslator(translator.url, None).translate("hola", "es", "en")


async def test_a_translation_that_lands_after_a_status_change_does_not_undo_it(
    hub: Hub, acme: Seeded
) -> None:
    """Translating takes seconds; staff acknowledge meanwhile; the later push keeps that."""
    from hub.tickets.services import Actor
    from hub.translate.service import TranslationService

    sent = await hub.tickets.submit_sos(
        acme.tenant, acme.point, text="The lift is stuck", anonymous=True, language="en"
    )
    sos = await hub.store.get(acme.tenant["id"], "tickets", sent["id"])  # as the job reads it
    assert sos is not None and sos["status"] == "new"

    class StaffActMidTranslation:
        """A translator during whose work an agent acknowledges the ticket."""

        name = "mid-translation"

        def supports(self, source: str, target: str) -> bool:
            return True

        async def translate(self, text: str, source: str, target: str) -> str:
            assert sos is not None
            await hub.tickets.acknowledge(acme.tenant["id"], sos["id"], Actor(None, "Ana"))
            return f"[{target}] {text}"

    service = TranslationService(hub.store, hub.tickets.publisher, StaffActMidTranslation())
    await service.translate_ticket(acme.tenant, sos, "en", ["es"])  # `sos`: read before

    events = await hub.store.events_after(acme.tenant["id"], 0)
    last = [e for e in events if e.ticket_id == sos["id"] and e.name == "ticket.updated"][-1]
    assert last.staff is not None and last.staff["translations"] == {"es": "[es] The lift is stuck"}
    assert last.staff["status"] == "acknowledged"  # not the "new" the translator started from
    assert last.customer is not None and last.customer["status"] == "being_handled"


@needs_pairs
async def test_apertium_goes_through_spanish_where_debian_has_no_direct_pair() -> None:
    apertium = ApertiumTranslator()
    assert apertium.route("fr", "es") == ["fr-es"]
    assert apertium.route("ca", "en") == ["cat-eng"]  # apertium-eng-cat: a direct pair
    assert apertium.route("fr", "en") == ["fr-es", "spa-eng"]
    assert apertium.route("gl", "en") == ["gl-es", "spa-eng"]
    assert apertium.route("de", "es") is None  # Debian has no German pair
    french = "La musique sur la terrasse est trop forte"
    assert "música" in (await apertium.translate(french, "fr", "es")).lower()
    english = (await apertium.translate(french, "fr", "en")).lower()
    assert "music" in english and "terrace" in english
    assert "hot water" in (await apertium.translate("No hi ha aigua calenta", "ca", "en")).lower()
    assert "hot water" in (await apertium.translate("Non hai auga quente", "gl", "en")).lower()


@needs_pairs
async def test_a_pair_apertium_cannot_route_goes_to_the_http_provider(
    settings: Settings, translator: TranslateServer
) -> None:
    routed = build_translator(tuned(settings, translator.env("auto")))
    assert isinstance(routed, RoutedTranslator) and routed.name == "apertium+libretranslate"
    assert "agua" in (await routed.translate("The water is cold", "en", "es")).lower()
    assert translator.requests == []  # Apertium did it, offline
    assert await routed.translate("La ducha no funciona", "es", "de") == "[de] La ducha no funciona"
    [request] = translator.requests
    assert (request["body"]["source"], request["body"]["target"]) == ("es", "de")


@needs_pairs
async def test_a_french_guest_reads_the_spanish_answer_in_french(
    settings: Settings, smtp: SmtpServer
) -> None:
    """Apertium alone: the French SOS reaches Spanish staff translated, beside the original; a
    German colleague gets the original (no German pair, no HTTP provider: untranslated, and
    the reason kept); the Spanish reply reaches the guest in French."""
    async with running_hub(tuned(settings, smtp.env())) as the_hub:
        assert build_translator(the_hub.settings).name == "apertium"
        acme = await _seed(
            the_hub,
            email_to("ana@acme.example", "Ana", "es"),
            email_to("hans@acme.example", "Hans", "de"),
        )
        client = the_hub.quart.test_client()
        french = "La musique sur la terrasse est trop forte"
        sos = await submit(
            client, acme.point["code"], french, contact={"email": "guest@example.fr"}
        )
        ticket = await _ticket(the_hub, acme, sos["id"], "translation_errors")
        assert (ticket["text"], ticket["language"]) == (french, "fr")
        assert "música" in ticket["translations"]["es"].lower()
        assert "de" not in ticket["translations"] and "fr→de" in ticket["translation_errors"]["de"]
        await smtp.wait_for(2)
        ana = body_text(smtp.to("ana@acme.example")[0])
        assert french in ana and ticket["translations"]["es"] in ana
        assert french in body_text(smtp.to("hans@acme.example")[0])

        spanish = "Ya bajamos el volumen, perdona las molestias"
        r = await client.post(
            f"/api/v1/tickets/{sos['id']}/replies", json={"text": spanish}, headers=acme.auth()
        )
        assert r.status_code == 201
        await smtp.wait_for(3)
        [mail] = smtp.to("guest@example.fr")
        assert "a répondu à votre message" in str(mail["Subject"])
        text = body_text(mail)
        assert spanish in text and "volume" in text and "Traduction automatique" in text


@needs_pairs
def test_apertium_translates_on_uvloop_as_under_sos_hub_serve() -> None:
    """`sos-hub serve` runs on uvloop, which gives a child a socket as its stdin: the
    `apertium` script could not open it as /dev/stdin and printed nothing."""
    uvloop = pytest.importorskip("uvloop")
    translator = ApertiumTranslator()
    english = uvloop.run(translator.translate("La música de la terraza está alta", "es", "en"))
    assert "music" in english.lower() and "terrace" in english.lower()
