"""The staff pages built on the shared frame and script helpers, used in a real browser.

Held back, Filters and the rules editor run as ES modules on `static/js/lib/`: their words come
from the page's string table in the reader's language, a refused field is marked next to its
input, and a session that ended sends the user to the login page and back.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from hub.clock import parse_iso
from tests.e2e.conftest import LiveHub, send_login
from tests.kit import fresh_device, live_sos

pytestmark = pytest.mark.browser

PAGES = [
    "/held-back",
    "/admin/rules",
    "/admin/filters",
    "/admin/triage",
    "/admin/stats",
    "/admin/deliveries",
    "/admin/kiosks",
    "/admin/answers",
    "/admin/alerts",
]


def _manager(
    browser: Any, hub: LiveHub, lang: str, path: str, zone: str | None = None
) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(
        locale=lang, extra_http_headers={"Accept-Language": lang}, timezone_id=zone
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{hub.url}/login?next={path}")
    send_login(page, str(hub.seeded.users["manager"]["email"]), hub.password)
    page.wait_for_url(f"**{path}")
    return context, page, problems


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_staff_page_loads_its_script_without_an_error_in_either_language(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    context, page, problems = _manager(browser, live_hub, lang, PAGES[0])
    for path in PAGES:
        page.goto(f"{live_hub.url}{path}")
        here = page.locator(f'.staff-nav a[href="{path}"]')
        expect(here).to_have_attribute("aria-current", "page")
        expect(page.locator(".staff-nav")).to_have_count(1)
        page.wait_for_load_state("networkidle")
    assert problems == []
    context.close()


def test_a_held_back_sos_shows_its_reason_in_spanish_and_releasing_it_says_so(
    browser: Any, live_hub: LiveHub
) -> None:
    text = f"Eres un gilipollas {uuid.uuid4().hex[:6]}"
    body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": True}
    created = httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).json()
    warning = {
        "title": f"Aviso {uuid.uuid4().hex[:6]}",
        "category": "complaint_unrelated",
        "language": "es",
        "text": "Hola, soy {agent_name}. Aquí no se permiten insultos.",
    }
    manager = {"Authorization": f"Bearer {live_hub.seeded.tokens['manager']}"}
    r = httpx.post(f"{live_hub.url}/api/v1/answers", json=warning, headers=manager, timeout=10)
    assert r.status_code == 201, r.text
    # the time as the business's clock reads it, not the browser's (here half a world away)
    ticket = httpx.get(
        f"{live_hub.url}/api/v1/tickets/{created['id']}", headers=manager, timeout=10
    ).json()
    zone = httpx.get(f"{live_hub.url}/api/v1/tenant", headers=manager, timeout=10).json()
    local = parse_iso(ticket["created_at"]).astimezone(ZoneInfo(zone["timezone"] or "UTC"))
    far = "Pacific/Kiritimati" if local.utcoffset() != timedelta(hours=14) else "Etc/GMT+12"
    context, page, problems = _manager(browser, live_hub, "es", "/held-back", far)
    row = page.locator("#held-rows tr", has_text=text)
    # Spanish short form, "H:mm": 0:06 just after midnight, not 00:06
    expect(row).to_contain_text(f"{local.day}/{local.month}/{local:%y}, {local.hour}:{local:%M}")
    expect(row).to_contain_text("Ofensivo")
    expect(row).to_contain_text("anónimo")
    number = str(created["number"])
    # a private warning from a canned answer, filled in the manager's name; it stays held back
    row.get_by_role("button", name="Avisar").click()
    dialog = page.get_by_role("dialog", name="Avisar al remitente")
    dialog.get_by_label("Partir de una respuesta preparada").select_option(
        label=f"{warning['title']} (ES)"
    )
    expect(dialog.get_by_label("Aviso", exact=True)).to_have_value(
        "Hola, soy Manager mirador. Aquí no se permiten insultos."
    )
    dialog.get_by_role("button", name="Enviar aviso").click()
    expect(page.locator("#held-status")).to_have_text(
        f"Aviso enviado a quien escribió el n.º {number}. Su mensaje sigue retenido."
    )
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Liberar").click()
    expect(page.locator("#held-status")).to_have_text(
        f"N.º {number} liberado: ya está en las consolas."
    )
    expect(row).to_have_count(0)
    assert problems == []
    context.close()


def test_a_refused_recipient_is_marked_next_to_its_input_and_cleared_on_the_next_try(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, _problems = _manager(browser, live_hub, "en", "/admin/rules")
    page.get_by_label("Name", exact=True).first.fill("Marked field")
    row = page.locator("#recipients .recipient-row").first
    to = row.locator('[data-k="to"]')
    row.locator('[data-k="channel"]').select_option("sms")
    to.fill("600-11")
    page.get_by_role("button", name="Save rule").click()
    words = "Check this recipient"  # the page's words for the field, not the validator's text
    expect(page.locator("#rule-error")).to_contain_text(words)
    expect(to).to_have_attribute("aria-invalid", "true")
    note = page.locator(f"#{to.get_attribute('aria-describedby')}")
    expect(note).to_contain_text(words)
    expect(to).to_be_focused()

    to.fill("+34600111333")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-status")).to_have_text("Saved.")
    expect(to).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#recipients .field-error")).to_have_count(0)
    context.close()


def test_a_refused_number_is_marked_on_its_own_row_with_a_blank_row_above_it(
    browser: Any, live_hub: LiveHub
) -> None:
    """Blank rows are not sent: the server's "recipients.0.to" is the first filled row
    (the mark fell on the blank one, or on the e-mail row before it)."""
    context, page, _problems = _manager(browser, live_hub, "es", "/admin/rules")
    page.locator('input[name="name"]').fill(f"Noche {uuid.uuid4().hex[:4]}")
    page.locator("[data-add-recipient]").click()
    rows = page.locator("#recipients .recipient-row")
    expect(rows).to_have_count(2)
    blank, typed = rows.nth(0), rows.nth(1)
    typed.locator('[data-k="channel"]').select_option("sms")
    number = typed.locator('[data-k="to"]')
    number.fill("07700 900123")  # a British mobile without +44: no Spanish number
    page.locator("#rule-form button[type=submit]").click()
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_be_focused()
    expect(blank.locator('[data-k="to"]')).not_to_have_attribute("aria-invalid", "true")

    number.fill("600 111 333")  # the business's own country: +34
    page.locator("#rule-form button[type=submit]").click()
    expect(page.locator("#rule-status")).to_have_text("Guardado.")
    context.close()


def test_triage_words_are_refused_next_to_their_list_in_its_language_and_then_used(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _manager(browser, live_hub, "en", "/admin/triage")
    spanish = page.locator("#kw-es-claim_new")
    english = page.locator("#kw-en-claim_new")
    expect(spanish).to_be_visible()
    expect(page.locator('details[data-built-in="es.claim_new"]')).to_contain_text("no funciona")
    page.get_by_label("Language").select_option("en")
    expect(spanish).to_be_hidden()
    english.fill("the kettle\n" + "x" * 61)
    page.get_by_label("Language").select_option("es")  # the error brings its language back
    page.get_by_role("button", name="Save words").click()
    expect(page.locator("#keywords-error")).to_contain_text("keywords.en.claim_new")
    expect(english).to_be_visible()
    expect(english).to_have_attribute("aria-invalid", "true")
    expect(english).to_be_focused()

    english.fill("the kettle")
    page.get_by_role("button", name="Save words").click()
    expect(page.locator("#keywords-status")).to_have_text("Saved.")
    page.get_by_label("Text").fill("Hello, the kettle in room 12")
    page.get_by_role("button", name="Suggest a category").click()
    expect(page.locator("#try-result")).to_contain_text("Suggested: New claim")
    expect(page.locator("#try-result")).to_contain_text("“the kettle”: New claim")

    minutes = page.locator("#targets-form").get_by_label("Basic question", exact=True)
    minutes.fill("ten")
    page.get_by_role("button", name="Save targets").click()
    expect(minutes).to_have_attribute("aria-invalid", "true")
    minutes.fill("10")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator("#targets-status")).to_have_text("Saved.")
    expect(page.locator("#target-question_basic-now")).to_have_text("now: 10 min")
    # the one refused save is the browser's only complaint: no script error
    assert [p for p in problems if "status of 400" not in p] == []
    context.close()


def test_a_session_that_ended_sends_the_manager_to_log_in_and_back_to_the_filters(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, _problems = _manager(browser, live_hub, "en", "/admin/filters")
    expect(page.locator("#filters-form")).to_be_visible()
    out = page.request.post(
        f"{live_hub.url}/api/v1/auth/logout", headers={"X-Requested-With": "sos-hub"}
    )
    assert out.ok
    page.get_by_role("button", name="Save filters").click()
    page.wait_for_url("**/login?next=%2Fadmin%2Ffilters")
    send_login(page, str(live_hub.seeded.users["manager"]["email"]), live_hub.password)
    page.wait_for_url("**/admin/filters")
    context.close()


def test_statistics_by_point_show_each_posters_scans_in_spanish_and_english(
    browser: Any, live_hub: LiveHub
) -> None:
    code = str(live_hub.seeded.point["code"])
    phone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131 Mobile"
    for _ in range(3):  # three guests scan the poster; one of them sends an SOS
        headers = {"User-Agent": phone, "Cookie": f"sos_device={fresh_device()}"}
        assert httpx.get(f"{live_hub.url}/q/{code}", headers=headers, timeout=10).status_code == 200
    live_sos(live_hub.url, live_hub.seeded)
    context, page, problems = _manager(browser, live_hub, "en", "/admin/stats?by=point")
    row = page.locator(f'#stats-table tr[data-key="{code}"]')
    expect(page.locator("#col-scans")).to_have_text("Scans")
    expect(row.locator("td.scans")).to_have_text("3")
    expect(page.locator("#stat-scans")).to_contain_text("SOS per scan")

    page.goto(f"{live_hub.url}/admin/stats?by=point&lang=es")
    expect(page.locator("#col-scans")).to_have_text("Escaneos")
    expect(page.locator("#stats-table thead")).to_contain_text("SOS por escaneo")
    expect(row.locator("td.scans")).to_have_text("3")
    expect(page.locator("#scans-note")).to_contain_text("el mismo móvil otra vez")
    page.get_by_label("Agrupar por").select_option("establishment")
    page.get_by_role("button", name="Mostrar").click()
    expect(page.locator("#stats-table caption")).to_have_text("Por establecimiento")
    expect(page.locator("#col-scans")).to_have_count(0)
    assert problems == []
    context.close()


@pytest.mark.parametrize(("lang", "menu"), [("es", "Menú"), ("en", "Menu")])
def test_on_a_phone_the_nav_folds_behind_one_labelled_menu_button_the_keyboard_opens(
    browser: Any, live_hub: LiveHub, lang: str, menu: str
) -> None:
    context, page, problems = _manager(browser, live_hub, lang, "/admin/stats")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    toggle = page.get_by_role("button", name=menu, exact=True)
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    stats = page.locator('.staff-nav a[href="/admin/stats"]')
    expect(stats).to_be_hidden()
    # the page starts under one row of header, not under six rows of links
    heading = page.get_by_role("heading", level=1)
    assert heading.bounding_box()["y"] < 120  # type: ignore[index]
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(stats).to_be_visible()
    expect(stats).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")  # the links follow their button
    expect(page.locator('.staff-nav a[href="/console"]')).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(stats).to_be_hidden()
    # a desktop keeps every link in sight and no button
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(toggle).to_be_hidden()
    expect(stats).to_be_visible()
    assert problems == []
    context.close()


@pytest.mark.parametrize(("lang", "hint"), [("es", "Desliza de lado"), ("en", "Scroll sideways")])
def test_a_statistics_table_cut_by_a_phone_says_it_scrolls_sideways_and_takes_the_focus(
    browser: Any, live_hub: LiveHub, lang: str, hint: str
) -> None:
    live_sos(live_hub.url, live_hub.seeded, "A table needs a row", device=fresh_device())
    context, page, problems = _manager(browser, live_hub, lang, "/admin/stats")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    box = page.locator(".table-scroll:has(#stats-table)")
    caption = page.locator("#stats-table caption").inner_text().strip()
    expect(box).to_have_attribute("role", "region")
    expect(box).to_have_attribute("aria-label", re.compile(re.escape(caption) + r" \("))
    cue = page.locator(".scroll-hint + .table-scroll:has(#stats-table)")
    expect(cue).to_have_count(1)
    expect(page.locator(".scroll-hint", has_text=hint).first).to_be_visible()
    # a shadow at the cut edge (drawn under the table: no pointer or focus trap)
    assert "radial-gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage")
    box.focus()
    expect(box).to_be_focused()
    page.keyboard.press("ArrowRight")  # the keyboard scrolls it
    page.wait_for_function(
        "() => document.querySelector('.table-scroll:has(#stats-table)').scrollLeft > 0"
    )
    # on a desktop the table fits: no line, no extra region
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(box).not_to_have_attribute("role", "region")
    expect(page.locator(".scroll-hint + .table-scroll:has(#stats-table)")).to_have_count(1)
    expect(box.locator("xpath=preceding-sibling::p[1]")).to_be_hidden()
    assert problems == []
    context.close()


# Each cell of a column as wide as its widest word: text broken inside a word ("terr|ace")
# shows a cell narrower than that.
_NARROWER_THAN_A_WORD = """(column) => [...document.querySelectorAll(
  `#held-rows tr td:nth-child(${column})`)].filter((cell) => {
    const probe = document.createElement("span");
    probe.style.whiteSpace = "nowrap";
    cell.append(probe);
    const widest = Math.max(...cell.firstChild.textContent.split(/\\s+/).map((word) => {
      probe.textContent = word;
      return probe.getBoundingClientRect().width;
    }));
    probe.remove();
    return cell.clientWidth + 1 < widest;
  }).map((cell) => cell.textContent.trim())"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_on_a_tablet_the_held_back_list_breaks_place_reason_and_message_between_words(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    text = f"Eres un gilipollas, la terraza está sucia {uuid.uuid4().hex[:6]}"
    body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": True}
    assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
    context, page, problems = _manager(browser, live_hub, lang, "/held-back")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    expect(page.locator("#held-rows tr", has_text=text)).to_have_count(1)
    for column in (3, 4, 5):  # place, reason, message
        assert page.evaluate(_NARROWER_THAN_A_WORD, column) == [], column
    assert problems == []
    context.close()


def test_a_canned_answer_naming_an_unknown_placeholder_is_refused_in_the_pages_language(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _manager(browser, live_hub, "gl", "/admin/answers")
    title = f"Toallas {uuid.uuid4().hex[:6]}"
    page.locator("#answer-title").fill(title)
    text = page.locator("#answer-text")
    text.fill("Levamos as toallas a {place} ({room}).")
    page.locator("#answer-form button[type=submit]").click()
    said = "O texto inclúe {room}, que ningunha resposta pode encher: usa {customer_name}"
    expect(page.locator("#answer-error")).to_contain_text(said)
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_be_focused()
    expect(page.locator("#answer-list")).not_to_contain_text(title)  # nothing saved

    text.fill("Levamos as toallas a {place}.")
    page.locator("#answer-form button[type=submit]").click()
    expect(page.locator("#answer-status")).to_have_text("Gardado.")
    expect(page.locator("#answer-list")).to_contain_text(title)
    assert problems == []
    context.close()
