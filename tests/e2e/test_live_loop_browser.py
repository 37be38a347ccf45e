"""The whole live loop in real browsers: a phone sends an SOS, the console sees it, answers it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import LiveHub, log_in, send_login
from tests.kit import live_sos

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
WAIT_MS = 8_000


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[BrowserContext]]:
    """Browser contexts opened by a test (one per person), closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _new_context(browser: Any, opened: list[BrowserContext], **options: Any) -> BrowserContext:
    context: BrowserContext = browser.new_context(locale="en-GB", **options)
    context.set_default_timeout(WAIT_MS)
    opened.append(context)
    return context


def _console(
    browser: Any, opened: list[BrowserContext], hub: LiveHub
) -> tuple[BrowserContext, Page]:
    """An agent logs in on a laptop and lands on a live console (script errors fail the test)."""
    context = _new_context(browser, opened, viewport=LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    ERRORS[id(page)] = errors
    log_in(page, hub)
    expect(page).to_have_url(f"{hub.url}/console")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    return context, page


ERRORS: dict[int, list[str]] = {}


def _no_script_errors(page: Page) -> None:
    assert ERRORS.pop(id(page), []) == []


def _card(page: Page, text: str) -> Locator:
    return page.locator("#board .ticket").filter(has_text=text)


def test_an_sos_from_a_phone_shows_live_on_the_console_and_the_reply_live_on_the_phone(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    phone = _new_context(
        browser, contexts, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    canned = {
        "title": "Plumber on the way",
        "category": None,
        "language": "en",
        "text": "Hello {customer_name}, I'm {agent_name} from {business}. A plumber is on the "
        "way to {place}. Did this solve it? Kind regards.",
    }
    manager = {"Authorization": f"Bearer {live_hub.seeded.tokens['manager']}"}
    r = httpx.post(f"{live_hub.url}/api/v1/answers", json=canned, headers=manager, timeout=10)
    assert r.status_code == 201, r.text

    _, console = _console(browser, contexts, live_hub)

    # Typed like a person: the hub silently holds back forms sent within 2 s of loading (bots).
    sos = f"The shower in room 12 is flooding the whole floor, please come ({uuid.uuid4().hex[:6]})"
    phone.get_by_label("Your message").press_sequentially(sos, delay=30)
    # A plain form post, answered with a redirect to the private thread page.
    with phone.expect_response(re.compile(r"/t/[^/?]+\?sent=1$")) as landed:
        phone.get_by_role("button", name="Send", exact=True).click()
    assert landed.value.status == 200
    expect(phone).to_have_url(re.compile(r"/t/[^/?]+(\?sent=1)?$"))  # the page may tidy its URL

    card = _card(console, sos)
    expect(card).to_have_count(1)  # arrived over the socket: the console never reloaded
    number = card.get_attribute("data-number")
    assert number and number.isdigit()
    expect(phone.get_by_text(number, exact=True).first).to_be_visible()
    expect(card).to_have_class(re.compile(r"\bunread\b"))
    expect(console).to_have_title(re.compile(r"^\(1\) "))
    expect(console.locator("#board .column[data-status='new']")).to_contain_text(sos)

    card.get_by_role("button").click()
    panel = console.locator("#ticket-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-f='number']")).to_have_text(f"#{number}")
    expect(panel.locator("[data-f='text']")).to_have_text(sos)
    expect(card).not_to_have_class(re.compile(r"\bunread\b"))
    expect(console).not_to_have_title(re.compile(r"^\("))

    # A canned answer fits (any category): Alt+1 inserts it, filled for this ticket and agent,
    # and the etiquette checklist ticks what its words cover; the agent ticks the rest by hand.
    box = panel.get_by_label("Reply to the customer")
    expect(panel.locator("#answer-list")).to_contain_text("Plumber on the way")
    box.focus()
    console.keyboard.press("Alt+1")
    reply = "A plumber is on the way to Bar terrace."
    expect(box).to_have_value(
        f"Hello customer, I'm Agent mirador from Business mirador. {reply} "
        "Did this solve it? Kind regards."
    )
    steps = panel.locator("#etiquette")
    for ticked in ("Greet", "Introduce yourself", "Answer", "Check it is solved", "Farewell"):
        expect(steps.get_by_label(ticked)).to_be_checked()
    for unticked in ("Acknowledge the request", "Invite to the survey"):
        expect(steps.get_by_label(unticked)).not_to_be_checked()
    steps.get_by_label("Invite to the survey").check()
    panel.get_by_role("button", name="Send reply").click()
    expect(panel.locator("#messages")).to_contain_text(reply)
    expect(box).to_have_value("")
    expect(steps.get_by_label("Greet")).not_to_be_checked()  # a fresh list for the next reply

    # The customer's page, loaded before the reply, shows it without a reload, and who wrote it.
    expect(phone.locator("#conversation")).to_contain_text(reply)
    expect(phone.locator("#conversation .from-staff .author").last).to_have_text("Agent mirador")
    # A reply moves the ticket on; the board follows without a reload.
    expect(console.locator("#board .column[data-status='waiting_customer']")).to_contain_text(sos)
    expect(panel.locator("#history")).to_contain_text("replied to the customer")
    ticket_id = panel.get_attribute("data-ticket-id")
    agent = {"Authorization": f"Bearer {live_hub.seeded.tokens['agent']}"}
    detail = httpx.get(f"{live_hub.url}/api/v1/tickets/{ticket_id}", headers=agent, timeout=10)
    assert detail.json()["messages"][-1]["etiquette"] == [
        "greet",
        "introduce",
        "answer",
        "closing_check",
        "farewell",
        "survey",
    ]
    _no_script_errors(console)


def test_a_console_that_lost_its_socket_replays_the_sos_it_missed_exactly_once(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    context, console = _console(browser, contexts, live_hub)

    before = f"Broken glass by the pool steps ({uuid.uuid4().hex[:6]})"
    live_sos(live_hub.url, live_hub.seeded, before)
    expect(_card(console, before)).to_have_count(1)

    context.set_offline(True)
    expect(console.locator("#main")).to_have_attribute("data-connection", "reconnecting")
    missed = f"Someone fainted near the bar ({uuid.uuid4().hex[:6]})"
    live_sos(live_hub.url, live_hub.seeded, missed)
    expect(_card(console, missed)).to_have_count(0)

    context.set_offline(False)
    expect(console.locator("#main")).to_have_attribute("data-connection", "live")
    expect(_card(console, missed)).to_have_count(1)
    expect(console.locator("#board .column[data-status='new']")).to_contain_text(missed)
    expect(_card(console, before)).to_have_count(1)
    # Both arrived after this page loaded, so both count as unread, once each.
    expect(console).to_have_title(re.compile(r"^\(2\) "))
    _no_script_errors(console)


def test_an_agent_triages_a_new_sos_with_the_keyboard_alone(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    _, console = _console(browser, contexts, live_hub)
    sos = f"Lift 2 is stuck between floors ({uuid.uuid4().hex[:6]})"
    live_sos(live_hub.url, live_hub.seeded, sos)
    card = _card(console, sos)
    expect(card).to_have_count(1)
    keys = console.keyboard

    keys.press("j")  # the newest SOS comes first
    expect(card.get_by_role("button")).to_be_focused()
    keys.press("Enter")
    panel = console.locator("#ticket-panel")
    expect(panel.locator("[data-f='text']")).to_have_text(sos)

    keys.press("a")
    expect(panel.locator("[data-f='status']")).to_have_text("Acknowledged")
    expect(console.locator("#board .column[data-status='acknowledged']")).to_contain_text(sos)

    keys.press("r")
    reply = panel.get_by_label("Reply to the customer")
    expect(reply).to_be_focused()
    keys.type("Maintenance is on its way")  # "r" itself was not typed into the box
    expect(reply).to_have_value("Maintenance is on its way")
    keys.press("Tab")
    keys.press("Enter")
    expect(panel.locator("#messages")).to_contain_text("Maintenance is on its way")

    keys.press("n")
    expect(panel.get_by_label("Add an internal note")).to_be_focused()
    keys.press("Escape")  # leaves the field
    expect(panel).to_be_visible()
    keys.press("Escape")  # closes the ticket, back on its card
    expect(panel).to_be_hidden()
    expect(card.get_by_role("button")).to_be_focused()

    keys.press("?")
    expect(console.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    keys.press("Escape")
    keys.press("/")
    expect(console.get_by_label("Search")).to_be_focused()
    _no_script_errors(console)


@pytest.mark.parametrize(("lang", "spanish"), [("es-ES", "español"), ("en-GB", "Spanish")])
def test_the_ticket_panel_names_the_language_and_the_department_in_words(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub, lang: str, spanish: str
) -> None:
    context = browser.new_context(
        locale=lang, viewport=LAPTOP, extra_http_headers={"Accept-Language": lang}
    )
    context.set_default_timeout(WAIT_MS)
    contexts.append(context)
    console = context.new_page()
    console.goto(f"{live_hub.url}/login")
    send_login(console, live_hub.agent_email, live_hub.password)
    expect(console.locator("#main")).to_have_attribute("data-connection", "live")
    sos = f"La ducha no tiene agua caliente ({uuid.uuid4().hex[:6]})"
    live_sos(live_hub.url, live_hub.seeded, sos, language="es")
    card = _card(console, sos)
    card.get_by_role("button").click()
    panel = console.locator("#ticket-panel")
    expect(panel.locator("[data-f='text']")).to_have_text(sos)
    # "Idioma: español", not "ES"; the department's name, not its slug ("bar")
    expect(panel.locator("[data-f='language']")).to_have_text(spanish)
    expect(panel.locator("[data-f='place-full']")).to_have_text(re.compile(r"\(Bar\)$"))
