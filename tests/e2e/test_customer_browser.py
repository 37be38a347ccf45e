"""A customer on a phone: the QR form, the live thread page, answers; with and without JS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.e2e.conftest import LiveHub
from tests.kit import Serve, no_bot_check

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
WAIT_MS = 10_000


SERVED = Serve(slugs=("mirador",), seed=no_bot_check)


def _api(live_hub: LiveHub) -> httpx.Client:
    return httpx.Client(base_url=live_hub.url, headers=live_hub.seeded.auth("agent"), timeout=10)


def _ticket_with_text(live_hub: LiveHub, text: str) -> dict[str, Any]:
    with _api(live_hub) as api:
        r = api.get("/api/v1/tickets", params={"limit": 200})
        assert r.status_code == 200, r.text
        [ticket] = [t for t in r.json()["items"] if t["text"] == text]
        return dict(ticket)


def _messages(live_hub: LiveHub, ticket_id: str) -> list[tuple[str, str]]:
    with _api(live_hub) as api:
        r = api.get(f"/api/v1/tickets/{ticket_id}")
        assert r.status_code == 200, r.text
        return [(m["author"], m["text"]) for m in r.json()["messages"]]


def _wait_for(check: Any, what: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def phone_without_js(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE, locale="es-ES", is_mobile=True, has_touch=True, java_script_enabled=False
    )
    try:
        yield context
    finally:
        context.close()


def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_an_sos_from_the_phone_then_staff_replies_live_and_the_customer_answers(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    page = phone.new_page()
    errors = _watch_errors(page)
    form_url = f"{live_hub.url}/q/{live_hub.seeded.point['code']}"
    page.goto(form_url)
    expect(page.locator(".brand .business")).to_have_text("Business mirador")
    expect(page.locator(".brand .place")).to_contain_text("Bar terrace")

    # The language switcher: a globe and "English"; it opens the eight, big enough for a
    # thumb and inside the screen; a choice reloads the same page in that language.
    switcher = page.get_by_role("navigation", name="Language")
    switcher.locator("summary").click()
    choices = switcher.get_by_role("link")
    expect(choices).to_have_count(8)
    for box in (choices.nth(i).bounding_box() for i in range(8)):
        assert box and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    switcher.get_by_role("link", name="Deutsch").click()
    page.wait_for_url(f"{form_url}?lang=de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wie können wir helfen?")
    german = page.get_by_role("navigation", name="Sprache")
    german.locator("summary").click()
    german.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How can we help?")

    # Ticking "anonymous" hides the contact fields; unticking brings them back.
    contact = page.locator("#contact-fields")
    expect(contact).to_be_visible()
    page.get_by_label("Send anonymously").check()
    expect(contact).to_be_hidden()
    page.get_by_label("Send anonymously").uncheck()
    expect(contact).to_be_visible()

    text = "The terrace heater is off and it is freezing, table 4"
    page.get_by_label("Your message").fill(text)
    expect(page.locator("#text-count")).to_have_text(f"{len(text)}\u200a/\u200a2,000")
    # Send within the phone's first screen: the optional contact details are folded away.
    send = page.get_by_role("button", name="Send").bounding_box()
    assert send is not None and send["y"] + send["height"] <= 844
    expect(page.get_by_label("Name")).to_be_hidden()
    page.locator("#contact-more summary").click()
    page.get_by_label("Name").fill("Ana")
    page.get_by_role("button", name="Send").click()

    page.wait_for_url("**/t/**")
    ticket = _ticket_with_text(live_hub, text)
    expect(page.locator(".ticket-number strong")).to_have_text(str(ticket["number"]))
    expect(page.locator("#conversation")).to_contain_text(text)
    expect(page.locator("#status")).to_have_text("Received")
    # Live: connected, caught up; a marker proves nothing below reloads the page.
    page.evaluate("window.__stillTheSamePage = true")

    with _api(live_hub) as api:
        r = api.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "acknowledged"})
        assert r.status_code == 200, r.text
    expect(page.locator("#status")).to_have_text("Being handled", timeout=WAIT_MS)
    expect(page.locator(".steps li.current")).to_have_text("Being handled")

    # The staff answer in Spanish; its English machine translation follows it live.
    reply = "¡Perdona! Alguien la está encendiendo ahora mismo."
    with _api(live_hub) as api:
        r = api.post(f"/api/v1/tickets/{ticket['id']}/replies", json={"text": reply})
        assert r.status_code == 201, r.text
    staff_message = page.locator("#conversation li.from-staff")
    expect(staff_message).to_contain_text(reply, timeout=WAIT_MS)
    expect(staff_message).to_contain_text("Business mirador")
    translation = staff_message.locator(".translation")
    expect(translation.locator(".tag")).to_have_text("Machine translation", timeout=WAIT_MS)
    expect(translation.locator(".text")).to_contain_text("now")
    assert page.evaluate("window.__stillTheSamePage") is True

    # A refused answer keeps the text and says why, next to the field.
    answer_box = page.get_by_label("Write to Business mirador")
    too_long = "x" * 2001
    answer_box.fill(too_long)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#text-error")).to_have_text(
        "Your message is too long: 2,001 characters. The limit is 2,000.", timeout=WAIT_MS
    )
    expect(answer_box).to_have_value(too_long)
    assert "text-error" in (answer_box.get_attribute("aria-describedby") or "")

    answer = "Thank you, much better now <b>really</b>"
    answer_box.fill(answer)
    page.get_by_role("button", name="Send").click()
    mine = page.locator("#conversation li.from-customer", has_text="much better now")
    expect(mine).to_have_count(1, timeout=WAIT_MS)
    expect(mine).to_contain_text(answer)  # shown as text, not markup
    expect(answer_box).to_have_value("")
    expect(page.locator("#text-error")).to_be_hidden()
    _wait_for(
        lambda: ("customer", answer) in _messages(live_hub, ticket["id"]), "the stored answer"
    )
    # The socket echo of the same message does not show it twice.
    page.wait_for_function(
        "() => document.querySelectorAll('#conversation li').length === 3", timeout=WAIT_MS
    )
    assert page.evaluate("window.__stillTheSamePage") is True

    # The form remembers this conversation in the browser.
    page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    previous = page.locator("#previous")
    expect(previous).to_be_visible()
    expect(previous.get_by_role("link")).to_contain_text(f"Message #{ticket['number']}")
    assert errors == []


def test_without_javascript_the_whole_form_thread_answer_flow_works(
    live_hub: LiveHub, phone_without_js: BrowserContext
) -> None:
    page = phone_without_js.new_page()
    page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    expect(page.locator("h1")).to_have_text("¿En qué te podemos ayudar?")

    page.get_by_role("button", name="Enviar").click()  # empty: refused by the server
    expect(page.locator("#text-error")).to_have_text("Escribe primero tu mensaje.")

    text = "No queda papel en el baño de la planta baja"
    page.get_by_label("Tu mensaje").fill(text)
    page.get_by_label("Enviar de forma anónima").check()
    expect(page.locator("#contact-fields")).to_be_visible()  # no JS: visible, and ignored
    page.locator("#contact-more summary").click()  # <details> opens without JavaScript too
    page.get_by_label("Correo electrónico").fill("someone@example.com")
    page.get_by_role("button", name="Enviar").click()

    page.wait_for_url("**/t/**")
    ticket = _ticket_with_text(live_hub, text)
    assert ticket["anonymous"] is True and ticket["contact"] is None
    expect(page.locator(".ticket-number strong")).to_have_text(str(ticket["number"]))
    expect(page.locator("#conversation")).to_contain_text(text)
    expect(page.locator("#status")).to_have_text("Recibido")

    answer = "Es el de la izquierda, junto a la escalera"
    page.get_by_label("Escribe a Business mirador").fill(answer)
    page.get_by_role("button", name="Enviar").click()
    page.wait_for_url("**#latest")
    expect(page.locator("#latest")).to_contain_text(answer)
    assert _messages(live_hub, ticket["id"]) == [("customer", answer)]


def test_the_form_shows_the_business_logo_under_the_pages_csp(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    from hub.demo import LOGO

    manager = {**live_hub.seeded.auth("manager"), "Content-Type": "image/png"}
    with httpx.Client(base_url=live_hub.url, timeout=10) as http:
        r = http.put("/api/v1/logo", content=LOGO.read_bytes(), headers=manager)
        assert r.status_code == 200, r.text
    page = phone.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    logo = page.locator("header.brand img.logo")
    logo.wait_for()
    _wait_for(lambda: logo.evaluate("img => img.complete"), "the logo to load")
    assert logo.evaluate("img => img.naturalWidth") == 96  # loaded, not a broken image
    assert blocked == []


def test_the_survey_appears_live_when_staff_resolve_and_the_customer_answers_it(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    with httpx.Client(base_url=live_hub.url, timeout=10) as http:
        r = http.post(
            "/api/v1/sos",
            json={"point": live_hub.seeded.point["code"], "text": "Survey test: towels please"},
        )
        sent = r.json()
    page = phone.new_page()
    errors = _watch_errors(page)
    page.goto(sent["thread_url"])
    survey = page.locator("#survey")
    expect(survey).to_be_hidden()
    with _api(live_hub) as api:
        r = api.patch(f"/api/v1/tickets/{sent['id']}", json={"status": "resolved"})
        assert r.status_code == 200, r.text
    expect(survey).to_be_visible()  # live, without a reload
    page.get_by_label("Good", exact=True).check()
    page.locator("label.nps-choice", has_text="9").click()
    page.get_by_role("button", name="Send my opinion").click()
    expect(page.locator("#survey-thanks")).to_be_visible()
    with _api(live_hub) as api:
        detail = api.get(f"/api/v1/tickets/{sent['id']}").json()
    assert detail["survey"]["rating"] == "good" and detail["survey"]["nps"] == 9
    assert errors == []


def test_a_late_catch_up_answer_never_puts_an_older_status_back(
    live_hub: LiveHub, phone: BrowserContext
) -> None:
    """The page catches up on connect; a live change can overtake that answer on the way."""
    with httpx.Client(base_url=live_hub.url, timeout=10) as http:
        sent = http.post(
            "/api/v1/sos",
            json={"point": live_hub.seeded.point["code"], "text": "Race test: the lights flicker"},
        ).json()
    token = sent["thread_url"].rsplit("/", 1)[1]
    page = phone.new_page()
    held: list[Any] = []

    def hold_the_first(route: Any) -> None:
        if held:
            route.continue_()
        else:  # answer it later, with what the server says now ("received")
            held.append((route, route.fetch()))

    page.route(f"**/api/v1/thread/{token}", hold_the_first)
    page.goto(sent["thread_url"])
    deadline = time.monotonic() + WAIT_MS / 1000
    while not held:
        assert time.monotonic() < deadline, "the page never asked to catch up"
        page.evaluate("0")  # lets Playwright deliver the intercepted request
    with _api(live_hub) as api:
        assert (
            api.patch(f"/api/v1/tickets/{sent['id']}", json={"status": "resolved"}).status_code
            == 200
        )
    expect(page.locator("#status")).to_have_text("Resolved")  # live
    route, stale = held[0]
    with page.expect_request(lambda r: f"/api/v1/thread/{token}" in r.url):
        route.fulfill(response=stale)  # the old answer arrives after the live news...
    # ...so the page asked again instead of believing it
    expect(page.locator("#status")).to_have_text("Resolved")
    expect(page.locator("#survey")).to_be_visible()
