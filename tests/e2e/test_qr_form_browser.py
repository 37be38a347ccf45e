"""The QR form and the thread on a guest's phone: what they type is kept, counted and
checked as the hub will count and check it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.e2e.conftest import LiveHub, opened
from tests.e2e.test_kiosk_browser import _manager
from tests.kit import Serve, no_bot_check

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
# A robot types faster than the bot check's two seconds: off, as in test_customer_browser.
SERVED = Serve(slugs=("mirador",), seed=no_bot_check)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    with opened(browser, viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True) as context:
        yield context


@pytest.fixture
def phone_without_js(browser: Browser) -> Iterator[BrowserContext]:
    with opened(browser, viewport=PHONE, locale="gl-ES", java_script_enabled=False) as context:
        yield context


def _tickets_with(live_hub: LiveHub, text: str) -> list[dict[str, Any]]:
    with _manager(live_hub) as api:
        r = api.get("/api/v1/tickets", params={"limit": 200})
        assert r.status_code == 200, r.text
        return [t for t in r.json()["items"] if t["text"] == text]


def _form(live_hub: LiveHub, lang: str) -> str:
    return f"{live_hub.url}/q/{live_hub.seeded.point['code']}?lang={lang}"


GL_PHONE = "Este teléfono non parece correcto. Usa só números, e + para o prefixo do país."


@pytest.mark.parametrize("number", ["600 11", "+34 600-111-222-333-444-555"])
def test_a_phone_the_hub_could_never_text_is_refused_next_to_its_field(
    live_hub: LiveHub, browser: Browser, number: str
) -> None:
    """With and without JavaScript: the Galician message under the phone, nothing sent."""
    for js in (True, False):
        context = browser.new_context(viewport=PHONE, locale="gl-ES", java_script_enabled=js)
        page = context.new_page()
        page.goto(_form(live_hub, "gl"))
        text = f"Non hai toallas na 204 ({number}, js={js})"
        page.get_by_label("A túa mensaxe").fill(text)
        page.locator("#contact-more summary").click()
        page.get_by_label("Teléfono").fill(number)
        page.get_by_role("button", name="Enviar").click()
        expect(page.locator("#phone-error")).to_have_text(GL_PHONE)
        expect(page.get_by_label("Teléfono")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("A túa mensaxe")).to_have_value(text)
        assert "/q/" in page.url
        assert _tickets_with(live_hub, text) == []
        context.close()


def test_with_no_signal_send_stays_on_the_page_with_the_text_and_says_so(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(_form(live_hub, "fr"))
    text = "La musique de la terrasse est trop forte"
    page.get_by_label("Votre message").fill(text)
    phone.set_offline(True)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#form-error")).to_have_text(
        "L'envoi a échoué. Vérifiez votre connexion et réessayez."
    )
    expect(page.get_by_label("Votre message")).to_have_value(text)
    expect(page.get_by_role("button", name="Envoyer")).to_be_enabled()
    assert "/q/" in page.url

    phone.set_offline(False)  # the signal is back: the same tap sends it
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/t/**")
    expect(page.locator("#conversation")).to_contain_text(text)
    assert len(_tickets_with(live_hub, text)) == 1


def _switch(page: Page, lang_name: str) -> None:
    switcher = page.locator("nav.lang-switch")
    switcher.locator("summary").click()
    switcher.get_by_role("link", name=lang_name).click()


def test_switching_language_keeps_the_draft_until_it_is_sent(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(_form(live_hub, "es"))
    text = "El aire acondicionado de la 305 gotea"
    page.get_by_label("Tu mensaje").fill(text)
    page.locator("#contact-more summary").click()
    page.get_by_label("Correo electrónico").fill("ana@example.com")

    _switch(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_label("Votre message")).to_have_value(text)
    expect(page.get_by_label("E-mail")).to_have_value("ana@example.com")  # shown, unfolded
    expect(page.locator("#text-count")).to_contain_text(str(len(text)))

    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/t/**")
    [ticket] = _tickets_with(live_hub, text)
    assert ticket["contact"]["email"] == "ana@example.com"
    # Sent: nothing of it stays in the browser, and a new form starts empty.
    assert page.evaluate("() => window.sessionStorage.length") == 0
    page.goto(_form(live_hub, "gl"))
    expect(page.get_by_label("A túa mensaxe")).to_have_value("")
    expect(page.get_by_label("Correo electrónico")).to_have_value("")


def test_a_restored_draft_keeps_the_first_pages_clock_for_the_bot_check(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    """The bot check holds back a form sent within two seconds of its page: a draft
    restored after a language switch carries the first page's stamp, or a guest who taps
    Send at once was held back as a bot with the text typed before the switch."""
    page = phone.new_page()
    page.goto(_form(live_hub, "es"))
    first = page.locator('input[name="t"]').input_value()
    page.get_by_label("Tu mensaje").fill("La ducha de la 214 no tiene agua caliente")
    _switch(page, "Français")
    expect(page.get_by_label("Votre message")).not_to_have_value("")
    assert page.locator('input[name="t"]').input_value() == first


def test_a_refusal_that_is_no_json_stays_on_the_page_and_posts_once(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    """A proxy's 502 page: the text and the draft stay and the page says so; the form was
    posted a second time by the browser (an SOS the server had stored went twice)."""
    page = phone.new_page()
    page.goto(_form(live_hub, "fr"))
    posts: list[str] = []

    def bad_gateway(route: Any) -> None:
        posts.append(route.request.method)
        route.fulfill(status=502, content_type="text/html", body="<h1>Bad gateway</h1>")

    page.route(
        "**/q/**",
        lambda route: bad_gateway(route) if route.request.method == "POST" else route.continue_(),
    )
    text = "Il n'y a plus de serviettes à la piscine"
    page.get_by_label("Votre message").fill(text)
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#form-error")).to_have_text(
        "L'envoi a échoué. Vérifiez votre connexion et réessayez."
    )
    expect(page.get_by_label("Votre message")).to_have_value(text)
    assert "/q/" in page.url and posts == ["POST"]


def test_emoji_count_as_one_character_each_as_the_hub_counts_them(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    page = phone.new_page()
    page.goto(_form(live_hub, "fr"))
    text = "Trop de bruit " + "😡" * 1100  # 1,114 characters (2,214 UTF-16 units)
    page.get_by_label("Votre message").fill(text)
    expect(page.locator("#text-count")).to_have_text(re.compile(r"^1114\W+2\W000$"))
    expect(page.locator("#text-error")).to_be_hidden()
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/t/**")
    assert len(_tickets_with(live_hub, text)) == 1

    # On the thread, too: a follow-up of 2,000 emoji is the hub's limit, not twice it.
    answer = "🙏" * 2000
    page.locator("textarea#text").fill(answer)
    page.locator("form:has(textarea#text) button[type=submit]").click()
    expect(page.locator("#conversation .from-customer")).to_have_count(2)
    expect(page.locator("#text-error")).to_be_hidden()
    page.locator("textarea#text").fill(answer + "🙏")
    page.locator("form:has(textarea#text) button[type=submit]").click()
    expect(page.locator("#text-error")).to_contain_text(re.compile(r"\b2\W001\b"))


def _zone_where_it_is_early() -> str:
    """An Etc/GMT zone where it is 5 in the morning now: '5:07' and '05:07' differ."""
    offset = (5 - datetime.now(UTC).hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is three hours ahead of UTC


@pytest.mark.parametrize(("lang", "clock"), [("ca", r"^[1-9]:\d\d$"), ("fr", r"^0\d:\d\d$")])
def test_a_live_message_s_time_is_written_as_the_server_writes_it(
    live_hub: LiveHub, phone: BrowserContext, lang: str, clock: str
) -> None:
    with _manager(live_hub) as api:
        r = api.patch("/api/v1/tenant", json={"timezone": _zone_where_it_is_early()})
        assert r.status_code == 200, r.text
    page = phone.new_page()
    page.goto(_form(live_hub, lang))
    page.locator("textarea#text").fill(f"Falta sabó a la 204 ({lang})")
    page.locator("form:has(textarea#text) button[type=submit]").click()
    page.wait_for_url("**/t/**")
    page.locator("textarea#text").fill("I també tovalloles")
    page.locator("form:has(textarea#text) button[type=submit]").click()
    times = page.locator("#conversation .from-customer time")
    expect(times).to_have_count(2)
    server, live = times.all_inner_texts()
    assert re.match(clock, server), server
    assert re.match(clock, live), (server, live)
