"""The accessibility review's findings, as a guest or a staff member meets them in Chromium:
what they see and where their focus lands after each step."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import STAFF_MENU_PAGES, LiveHub, send_login, staff_page
from tests.kit import Serve, live_sos, no_bot_check

pytestmark = pytest.mark.browser


SERVED = Serve(slugs=("mirador",), seed=no_bot_check)


def _api(live_hub: LiveHub) -> httpx.Client:
    return httpx.Client(base_url=live_hub.url, headers=live_hub.seeded.auth("agent"), timeout=10)


def _resolved_thread(live_hub: LiveHub, text: str) -> dict[str, str]:
    sent = live_sos(live_hub.url, live_hub.seeded, text)
    with _api(live_hub) as api:
        r = api.patch(f"/api/v1/tickets/{sent['id']}", json={"status": "resolved"})
        assert r.status_code == 200, r.text
    return sent


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_poor_rating_that_reopens_the_ticket_is_still_thanked(
    live_hub: LiveHub, browser: Browser, js: bool
) -> None:
    sent = _resolved_thread(live_hub, "Survey: the shower is cold")
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, java_script_enabled=js
    )
    page = context.new_page()
    page.goto(sent["thread_url"])
    page.get_by_label("Fair", exact=True).check()
    page.locator("label.nps-choice", has_text="6").click()
    page.get_by_role("button", name="Send my opinion").click()
    expect(page.get_by_text("Thank you for your opinion.", exact=True)).to_be_visible()
    expect(page.locator("#survey-form")).to_be_hidden()  # reopened: nothing to change now
    with _api(live_hub) as api:
        ticket = api.get(f"/api/v1/tickets/{sent['id']}").json()
    assert ticket["status"] != "resolved" and ticket["survey"]["rating"] == "fair"
    context.close()


def test_a_survey_sent_without_a_rating_says_so_at_the_top_and_takes_the_focus(
    live_hub: LiveHub, browser: Browser
) -> None:
    sent = _resolved_thread(live_hub, "Survey: no rating chosen")
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(sent["thread_url"])
    title = page.title()
    page.get_by_role("button", name="Send my opinion").click()
    page.wait_for_url("**/survey")
    summary = page.locator("#survey-error-summary")
    expect(summary).to_have_text("Please check the answers marked below.")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert page.title() == f"Error: {title}"
    expect(page.get_by_text("Please choose how we did.")).to_be_visible()
    context.close()


def _kiosk(live_hub: LiveHub, **fields: Any) -> dict[str, Any]:
    """A new kiosk at the seeded point, its pairing link included."""
    with httpx.Client(
        base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10
    ) as api:
        r = api.post(
            "/api/v1/kiosks",
            json={"name": "Hall kiosk", "point": live_hub.seeded.point["code"], **fields},
        )
        assert r.status_code == 201, r.text
        return dict(r.json())


def test_the_kiosk_asks_before_clearing_a_half_written_message_and_one_tap_keeps_it(
    live_hub: LiveHub, browser: Browser
) -> None:
    kiosk = _kiosk(live_hub, idle_seconds=90)
    context = browser.new_context(
        locale="es-ES", viewport={"width": 1024, "height": 768}, has_touch=True
    )
    page = context.new_page()
    page.clock.install()  # the kiosk's timers, run forward instead of waited for
    page.goto(kiosk["pair_url"])
    text = page.get_by_label("Tu mensaje")
    warning = page.get_by_role("alertdialog", name="¿Sigues ahí?")
    # an untouched screen goes on waiting without asking anything
    page.clock.run_for(200_000)
    expect(warning).to_be_hidden()

    text.fill("El aire acondicionado de la 204 hace ruido")
    page.clock.run_for(75_000)  # 20 s or more before the 90 s: asked, nothing cleared yet
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Tu mensaje se borrará en 15 s.")
    stay = warning.get_by_role("button", name="Sigo aquí")
    expect(stay).to_be_focused()
    stay.click()
    expect(warning).to_be_hidden()
    expect(text).to_have_value("El aire acondicionado de la 204 hace ruido")
    expect(text).to_be_focused()  # back where the guest was writing

    page.clock.run_for(70_000)
    expect(warning).to_be_visible()
    page.clock.run_for(21_000)  # no answer: cleared, and the next guest is not asked
    expect(warning).to_be_hidden()
    expect(text).to_have_value("")
    context.close()


def test_the_kiosk_asks_before_taking_the_number_and_qr_of_a_sent_message_away(
    live_hub: LiveHub, browser: Browser
) -> None:
    kiosk = _kiosk(live_hub)
    context = browser.new_context(
        locale="en-GB", viewport={"width": 1024, "height": 768}, has_touch=True
    )
    page = context.new_page()
    page.clock.install()
    page.goto(kiosk["pair_url"])
    page.get_by_label("Your message").fill("Kiosk: please bring a towel")
    page.get_by_role("button", name="Send", exact=True).click()
    number = page.locator("#sent-number")
    expect(number).to_have_text(re.compile(r"#\d+"))
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    page.clock.run_for(12_000)
    expect(warning).to_contain_text("This screen will be cleared in")
    warning.get_by_role("button", name="I'm still here").click()
    page.clock.run_for(9_000)
    expect(number).to_be_visible()  # kept: the guest is scanning the code
    page.clock.run_for(30_000)
    expect(page.locator("#sent")).to_be_hidden()
    context.close()


def test_a_user_turns_the_one_key_shortcuts_off_on_their_account_page(
    live_hub: LiveHub, browser: Browser
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "en-GB", "/account", 1440, 900, "manager"
    )
    switch = page.get_by_label("One-key shortcuts in the console")
    expect(switch).to_be_checked()  # on unless turned off
    switch.uncheck()
    switch.locator("xpath=ancestor::form").get_by_role("button", name="Save").click()
    expect(page.locator("#shortcuts [data-status]")).to_have_text("Saved.")

    sos = f"Shortcuts off: the lift ({uuid.uuid4().hex[:6]})"
    sent = live_sos(live_hub.url, live_hub.seeded, sos)
    page.goto(f"{live_hub.url}/console")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    card = page.locator("#board .ticket").filter(has_text=sos)
    card.get_by_role("button").click()
    panel = page.locator("#ticket-panel")
    expect(panel.locator("[data-f='text']")).to_have_text(sos)
    page.locator("#ack-button").focus()
    for key in ("a", "j", "r", "/"):
        page.keyboard.press(key)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    expect(panel.locator("[data-f='status']")).to_have_text("New")
    expect(page.get_by_label("Reply to the customer")).not_to_be_focused()
    page.get_by_role("button", name="Shortcuts", exact=True).click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_contain_text("Off: you turned the one-key shortcuts off.")
    expect(dialog.get_by_role("link", name="My account")).to_be_visible()
    with _api(live_hub) as api:
        assert api.get(f"/api/v1/tickets/{sent['id']}").json()["status"] == "new"
    with httpx.Client(
        base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10
    ) as api:
        me = api.get("/api/v1/me").json()["user"]
        assert me["shortcuts"] is False
        assert api.patch("/api/v1/me", json={"shortcuts": True}).json()["shortcuts"] is True
    assert problems == []
    context.close()


# How wide the page is: more than the screen means the whole page scrolls sideways.
PAGE_WIDTH = "() => document.scrollingElement.scrollWidth"


@pytest.mark.parametrize("lang", ["en-GB", "es-ES", "ca-ES"])
def test_no_guest_or_staff_page_scrolls_sideways_on_a_320_px_screen(
    live_hub: LiveHub, browser: Browser, lang: str
) -> None:
    """WCAG 1.4.10: at 320 px everything reflows; only a data table may scroll in its box."""
    kiosk = _kiosk(live_hub)
    sent = live_sos(live_hub.url, live_hub.seeded, "Reflow: a ticket on the board")
    point = live_hub.seeded.point["code"]
    context = browser.new_context(
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        viewport={"width": 320, "height": 640},
        has_touch=True,
    )
    page = context.new_page()
    wide: dict[str, int] = {}

    def measure(path: str, ready: str) -> None:
        page.goto(f"{live_hub.url}{path}")
        expect(page.locator(ready).first).to_be_visible()
        width = page.evaluate(PAGE_WIDTH)
        if width > 320:
            wide[path] = width

    measure("/login", "form")
    measure(f"/q/{point}", "#text")
    measure(f"/s/{point}", "form")
    measure(f"/t/{sent['token']}", "#text")
    measure(kiosk["pair_url"].removeprefix(live_hub.url), "#kiosk-text")
    page.goto(f"{live_hub.url}/login?next=/console")
    send_login(page, str(live_hub.seeded.users["admin"]["email"]), live_hub.password)
    page.wait_for_url("**/console")
    for path in STAFF_MENU_PAGES:
        measure(path, "h1, #board")
    assert wide == {}
    context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_a_refused_phone_number_on_the_qr_form_takes_the_focus(
    live_hub: LiveHub, browser: Browser, js: bool
) -> None:
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, java_script_enabled=js
    )
    page = context.new_page()
    page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    page.get_by_label("Your message").fill("Focus test: the bar is closed")
    page.locator("#contact-more summary").click()
    page.get_by_label("Phone").fill("12")
    page.get_by_role("button", name="Send", exact=True).click()
    phone = page.get_by_label("Phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    expect(page.locator("#phone-error")).to_be_visible()
    context.close()


def test_an_empty_reply_is_tied_to_the_reply_box_until_the_agent_types(
    live_hub: LiveHub, browser: Browser
) -> None:
    sos = f"Empty reply ({uuid.uuid4().hex[:6]})"
    live_sos(live_hub.url, live_hub.seeded, sos)
    context, page, problems = staff_page(browser, live_hub, "en-GB", "/console", 1440, 900, "agent")
    page.locator("#board .ticket").filter(has_text=sos).get_by_role("button").click()
    box = page.get_by_label("Reply to the customer")
    page.get_by_role("button", name="Send reply").click()
    error = page.locator("#reply-error")
    expect(error).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description(re.compile("Write something first."))
    box.press_sequentially("Hello")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()
    assert problems == []
    context.close()


@pytest.mark.parametrize("where", ["q", "t", "kiosk"])
def test_the_language_menu_closes_with_escape_and_when_the_focus_leaves_it(
    live_hub: LiveHub, browser: Browser, where: str
) -> None:
    if where == "q":
        path = f"{live_hub.url}/q/{live_hub.seeded.point['code']}"
    elif where == "t":
        path = live_sos(live_hub.url, live_hub.seeded, "Language menu test")["thread_url"]
    else:
        path = _kiosk(live_hub)["pair_url"]
    context = browser.new_context(locale="en-GB", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(path)
    button = page.locator(".lang-switch summary")
    menu = page.locator(".lang-switch ul")
    expect(button).to_be_visible()  # the kiosk shows its form once it has its settings
    button.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    for _ in range(page.locator(".lang-switch ul a").count() + 1):
        page.keyboard.press("Tab")  # past the last language
    expect(menu).to_be_hidden()
    context.close()


def _contrast(a: list[float], b: list[float]) -> float:
    """WCAG contrast ratio of two sRGB colours given as 0–255 channels."""

    def luminance(rgb: list[float]) -> float:
        c = [v / 255 for v in rgb[:3]]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# The box's border colour, its own background and the page's (light mode).
COLOURS = """box => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const cs = getComputedStyle(box);
  return [rgb(cs.borderTopColor), rgb(cs.backgroundColor),
          rgb(getComputedStyle(document.body).backgroundColor)];
}"""


@pytest.mark.parametrize("where", ["q", "t", "kiosk"])
def test_the_message_box_border_stands_out_3_to_1_in_light_mode(
    live_hub: LiveHub, browser: Browser, where: str
) -> None:
    if where == "q":
        path, box = f"{live_hub.url}/q/{live_hub.seeded.point['code']}", "#text"
    elif where == "t":
        path, box = live_sos(live_hub.url, live_hub.seeded, "Border test")["thread_url"], "#text"
    else:
        path, box = _kiosk(live_hub)["pair_url"], "#kiosk-text"
    context = browser.new_context(locale="en-GB", color_scheme="light")
    page = context.new_page()
    page.goto(path)
    expect(page.locator(box)).to_be_visible()
    border, inside, around = page.locator(box).evaluate(COLOURS)
    assert _contrast(border, around) >= 3, (border, around)
    assert _contrast(border, inside) >= 3, (border, inside)
    context.close()


# Each 0–10 box's size and the row it sits on.
BOXES = """els => els.map(e => { const r = e.getBoundingClientRect();
  return [Math.round(r.width), Math.round(r.height), Math.round(r.top)]; })"""


@pytest.mark.parametrize("where", ["s", "t"])
def test_the_0_to_10_boxes_are_44_px_targets_on_a_320_px_phone(
    live_hub: LiveHub, browser: Browser, where: str
) -> None:
    if where == "s":
        path = f"{live_hub.url}/s/{live_hub.seeded.point['code']}"
    else:
        path = _resolved_thread(live_hub, "NPS size test")["thread_url"]
    context = browser.new_context(locale="es-ES", viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(path)
    boxes = page.locator("fieldset.nps").first.locator(".nps-choice").evaluate_all(BOXES)
    small = [(n, w, h) for n, (w, h, _) in enumerate(boxes) if w < 44 or h < 44]
    assert small == []
    tops = [top for _, _, top in boxes]
    rows = [tops.count(top) for top in sorted(set(tops))]
    assert rows in ([11], [6, 5], [4, 4, 3]), rows  # never a lone "10" on a row
    context.close()


@pytest.mark.parametrize("where", ["q", "kiosk"])
def test_a_place_name_with_no_label_in_the_guests_language_says_its_own_language(
    live_hub: LiveHub, browser: Browser, where: str
) -> None:
    business = str(live_hub.seeded.tenant.get("language") or "es")
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    if where == "q":
        page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
        place = page.locator(".brand .place span:not(.pin):not(.visually-hidden)")
    else:
        page.goto(_kiosk(live_hub)["pair_url"])
        place = page.locator("#brand-place")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(place).to_have_text("Bar terrace")  # the point's only label, the business's
    expect(place).to_have_attribute("lang", business)
    context.close()
