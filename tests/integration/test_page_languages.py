"""Which language each page speaks: the customer's pages in eight, the staff's in four.

Customer pages (`/q/<code>`, `/t/<token>`, `/kiosk`) speak the browser's language among
es, en, fr, de, it, pt, gl, ca, and English to any other; `?lang=` overrides. Staff pages
speak es, en, gl or ca, and the user's own language when the browser asks for another.
"""

from __future__ import annotations

import re
from typing import Any

from hub.app import Hub
from tests.helpers import Seeded

HOW_CAN_WE_HELP = {
    "es": "¿En qué te podemos ayudar?",
    "en": "How can we help?",
    "fr": "Comment pouvons-nous vous aider\u00a0?",
    "de": "Wie können wir helfen?",
    "it": "Come possiamo aiutarti?",
    "pt": "Como podemos ajudar?",
    "gl": "En que che podemos axudar?",
    "ca": "En què et podem ajudar?",
}


async def _page(client: Any, path: str, accept: str | None = None) -> str:
    headers = {"Accept-Language": accept} if accept else {}
    r = await client.get(path, headers=headers)
    assert r.status_code == 200, path
    return str(await r.get_data(as_text=True))


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', html)
    assert found
    return found.group(1)


async def _thread(client: Any, acme: Seeded) -> str:
    r = await client.post(f"/q/{acme.point['code']}", form={"text": "The lift is stuck"})
    assert r.status_code == 303
    return str(r.headers["Location"]).split("?")[0]


async def test_the_form_speaks_each_of_the_eight_languages(client: Any, acme: Seeded) -> None:
    for lang, words in HOW_CAN_WE_HELP.items():
        html = await _page(client, f"/q/{acme.point['code']}", f"{lang}-XX;q=0.9,en;q=0.5")
        assert (_lang(html), words in html) == (lang, True), lang


async def test_a_browser_in_any_other_language_gets_english(client: Any, acme: Seeded) -> None:
    html = await _page(client, f"/q/{acme.point['code']}", "ja-JP,ja;q=0.9,ko;q=0.5")
    assert _lang(html) == "en" and HOW_CAN_WE_HELP["en"] in html
    # the first language the browser prefers among ours wins, wherever it sits in the list
    html = await _page(client, f"/q/{acme.point['code']}", "ja;q=1,de-AT;q=0.8,fr;q=0.5")
    assert _lang(html) == "de"


async def test_lang_in_the_address_overrides_the_browser_and_the_switcher_keeps_the_page(
    client: Any, acme: Seeded
) -> None:
    html = await _page(client, f"/q/{acme.point['code']}?lang=gl", "de")
    assert _lang(html) == "gl" and HOW_CAN_WE_HELP["gl"] in html
    # the switcher: the eight, each named in its own language, on the same page
    for code, name in (("fr", "Français"), ("de", "Deutsch"), ("ca", "Català")):
        assert f'<a href="?lang={code}" lang="{code}" hreflang="{code}">{name}</a>' in html
    assert '<a href="?lang=gl" lang="gl" hreflang="gl" aria-current="true">Galego</a>' in html


async def test_the_thread_and_the_kiosk_speak_the_browsers_language_too(
    client: Any, acme: Seeded
) -> None:
    thread = await _thread(client, acme)
    html = await _page(client, thread, "de-DE")
    assert _lang(html) == "de" and "Ihre Nachricht Nr. 1" in html and "Gespräch" in html
    html = await _page(client, thread, "ja")
    assert _lang(html) == "en" and "Your message #1" in html
    assert _lang(await _page(client, "/kiosk", "fr-CH,fr;q=0.9")) == "fr"
    assert "Connexion…" in await _page(client, "/kiosk", "fr")
    assert _lang(await _page(client, "/kiosk", "ja")) == "en"
    html = await _page(client, "/kiosk?lang=it", "de")
    assert _lang(html) == "it" and "Come possiamo aiutarti?" in html
    # a guest's choice on the kiosk is not remembered for the next guest
    assert _lang(await _page(client, "/kiosk", "de")) == "de"

    html = await _page(client, f"{thread}?lang=ca", "de")
    assert _lang(html) == "ca" and "El teu missatge núm. 1" in html
    # on the guest's own phone it is: their next page keeps Catalan
    assert _lang(await _page(client, thread, "de")) == "ca"


async def test_the_thread_shows_times_the_page_languages_way(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    thread = await _thread(client, acme)
    [ticket] = await hub.store.find(acme.tenant["id"], "tickets")
    # an older message: its date is written out, in the business's zone (Madrid, UTC+1)
    await hub.store.update(
        acme.tenant["id"], "tickets", ticket["id"], {"created_at": "2026-01-29T18:07:00+00:00"}
    )
    assert "29. Jan., 19:07" in await _page(client, thread, "de")
    assert "29 janv. 19:07" in await _page(client, thread, "fr")
    assert "Jan 29, 19:07" in await _page(client, thread, "en")


async def test_staff_pages_speak_es_en_gl_ca_and_else_the_users_language(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    async def held_back(accept: str, user: str = "agent") -> str:
        r = await client.get("/held-back", headers={**acme.auth(user), "Accept-Language": accept})
        assert r.status_code == 200
        return str(await r.get_data(as_text=True))

    assert _lang(await held_back("gl-ES,es;q=0.5")) == "gl"
    assert "Mensaxes retidas" in await held_back("gl")
    assert _lang(await held_back("ca")) == "ca"
    # German is not a staff language: the user's own (Spanish, the business's) instead
    assert _lang(await held_back("de")) == "es"
    await hub.store.update(
        acme.tenant["id"], "users", acme.users["agent"]["id"], {"language": "ca"}
    )
    assert _lang(await held_back("de")) == "ca"
