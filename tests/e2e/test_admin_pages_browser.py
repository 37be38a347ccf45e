"""The staff pages built on the shared frame and script helpers, used in a real browser.

Held back, Filters and the rules editor run as ES modules on `static/js/lib/`: their words come
from the page's string table in the reader's language, a refused field is marked next to its
input, and a session that ended sends the user to the login page and back.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveHub

pytestmark = pytest.mark.browser

PAGES = [
    "/held-back",
    "/admin/rules",
    "/admin/filters",
    "/admin/triage",
    "/admin/stats",
    "/admin/deliveries",
    "/admin/kiosks",
]


def _manager(browser: Any, hub: LiveHub, lang: str, path: str) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(locale=lang, extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{hub.url}/login?next={path}")
    page.locator('input[name="email"]').fill(str(hub.seeded.users["manager"]["email"]))
    page.locator('input[name="password"]').fill(hub.password)
    page.locator('button[type="submit"]').click()
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
    context, page, problems = _manager(browser, live_hub, "es", "/held-back")
    row = page.locator("#held-rows tr", has_text=text)
    expect(row).to_contain_text("Ofensivo")
    expect(row).to_contain_text("anónimo")
    number = str(created["number"])
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
    expect(page.locator("#rule-error")).to_contain_text("recipients.0")
    expect(to).to_have_attribute("aria-invalid", "true")
    note = page.locator(f"#{to.get_attribute('aria-describedby')}")
    expect(note).to_contain_text("recipients.0")
    expect(to).to_be_focused()

    to.fill("+34600111333")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-status")).to_have_text("Saved.")
    expect(to).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#recipients .field-error")).to_have_count(0)
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
    page.locator('input[name="email"]').fill(str(live_hub.seeded.users["manager"]["email"]))
    page.locator('input[name="password"]').fill(live_hub.password)
    page.locator('button[type="submit"]').click()
    page.wait_for_url("**/admin/filters")
    context.close()
