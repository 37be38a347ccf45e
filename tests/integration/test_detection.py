"""Language detection over the eight page languages and the tourists' (lingua, offline).

Sentences are what guests write. Accuracy has limits, stated in hub/translate/detect.py:
Galician is a word heuristic on top of lingua (which has no Galician), and a short text
may come out as "unsure" (None), never as a wrong guess in these checks.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from hub.app import Hub, create_app
from hub.settings import Settings
from hub.translate.detect import detect_language, detect_sync, warm_up
from hub.translate.detector_process import DetectorProcess
from tests.helpers import Seeded, seed_tenant

SENTENCES = {
    "fr": [
        "La musique sur la terrasse est trop forte",
        "Il n'y a pas d'eau chaude dans la chambre 204",
        "Nous attendons l'addition depuis une demi-heure",
    ],
    "de": [
        "Die Musik auf der Terrasse ist zu laut",
        "Im Zimmer 204 gibt es kein warmes Wasser",
        "Wir warten seit einer halben Stunde auf die Rechnung",
    ],
    "ca": [
        "No hi ha aigua calenta a l'habitació 204",
        "Fa mitja hora que esperem el compte",
        "Hi ha vidres trencats al costat de la piscina",
    ],
    "es": [
        "No hay agua caliente en la habitación 204",
        "Llevamos media hora esperando la cuenta",
        "Hay cristales rotos junto a la piscina",
    ],
    "gl": [
        "Non hai auga quente na habitación 204",
        "Levamos media hora agardando a conta",
        "Hai cristais rotos ao lado da piscina",
        "A porta da terraza está rota",
    ],
    "pt": [
        "Não há água quente no quarto 204",
        "Estamos à espera da conta há meia hora",
        "Há vidros partidos perto da piscina",
    ],
    "it": ["Non c'è acqua calda nella camera 204"],
    "nl": ["De muziek op het terras is te hard"],
    "ru": ["Музыка на террасе слишком громкая"],
}


@pytest.fixture(scope="module", autouse=True)
def _models() -> None:
    warm_up()  # what a hub does in the background on its first SOS


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_each_language_is_told_apart_from_its_neighbours(lang: str) -> None:
    assert [detect_sync(text) for text in SENTENCES[lang]] == [lang] * len(SENTENCES[lang])


def test_a_word_too_short_to_tell_gives_no_answer() -> None:
    assert [detect_sync(w) for w in ("ok", "vale", "hola", "merci", "  ")] == [None] * 5


async def test_a_language_outside_the_asked_ones_gives_no_answer() -> None:
    assert await detect_language("Das Wasser ist kalt", ["es", "en"]) is None
    assert await detect_language("Das Wasser ist kalt") == "de"


async def test_a_french_sos_sent_from_a_spanish_page_is_stored_as_french(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """The page's language is only a hint: the text says which language it is in."""
    r = await client.post(
        f"/q/{acme.point['code']}",
        form={"text": "Il n'y a pas de serviettes propres dans notre chambre"},
        headers={"Accept-Language": "es"},
    )
    assert r.status_code == 303
    [ticket] = await hub.store.find(acme.tenant["id"], "tickets")
    assert ticket["language"] == "fr" and ticket["language_detected"] is True


async def test_with_detection_off_an_sos_keeps_its_pages_language(settings: Settings) -> None:
    """HUB_LANGUAGE_DETECTION=off: no models loaded, the page's language stays."""
    the_hub = create_app(dataclasses.replace(settings, language_detection=False))
    async with the_hub.quart.test_app():
        acme = await seed_tenant(the_hub.store, "acme")
        r = await the_hub.quart.test_client().post(
            f"/q/{acme.point['code']}",
            form={"text": "Il n'y a pas de serviettes propres dans notre chambre"},
            headers={"Accept-Language": "es"},
        )
        assert r.status_code == 303
        [ticket] = await the_hub.store.find(acme.tenant["id"], "tickets")
        assert ticket["language"] == "es" and "language_detected" not in ticket


async def test_the_detection_child_answers_every_sos_asked_at_once_with_its_own_language() -> None:
    """The hub's web process asks its child from the event loop, many SOS at a time: each
    gets its own answer (before, an SOS asked while another was being detected got none);
    a caller that stops waiting leaves nothing behind for the next."""
    child = DetectorProcess()
    try:
        # Loading takes seconds of CPU at the lowest priority: a bounded wait for it.
        assert await child.detect("Das Wasser ist kalt", None, 300.0) == "de"
        assert child.ready()
        langs = sorted(SENTENCES)
        asked = [(lang, text) for lang in langs for text in SENTENCES[lang]]
        answers = await asyncio.gather(*(child.detect(text, None, 0.0) for _, text in asked))
        assert answers == [lang for lang, _ in asked]
        given_up = asyncio.ensure_future(child.detect(SENTENCES["fr"][0], None, 0.0))
        await asyncio.sleep(0)  # its request is written
        given_up.cancel()
        assert await child.detect(SENTENCES["it"][0], ["it", "es"], 0.0) == "it"
        assert await child.detect(SENTENCES["nl"][0], ["es", "en"], 0.0) is None
    finally:
        child.stop()
    assert not child.alive


async def test_callers_of_a_detection_child_that_died_are_told_and_the_hub_starts_another() -> None:
    from hub.translate import detect

    child = DetectorProcess()
    try:
        assert await child.detect("Das Wasser ist kalt", None, 300.0) == "de"
        child._proc.kill()
        child._proc.wait()
        with pytest.raises(EOFError):
            await child.detect("Die Musik auf der Terrasse ist zu laut", None, 0.0)
        assert not child.alive
    finally:
        child.stop()
    previous = detect._process
    detect._process = child  # the hub's own child, dead: the next SOS starts another
    try:
        assert detect.detector_process() is not child
        assert detect.detector_process().alive
    finally:
        detect.detector_process().stop()
        detect._process = previous
