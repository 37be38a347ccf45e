"""A keyboard user on the console keeps their place: after a note, a reply, a move or a
block the focus stays in the ticket's panel (it fell to the page's start, and the next Tab
began again at the skip link)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveHub, log_in
from tests.e2e.test_live_loop_browser import _card

pytestmark = pytest.mark.browser

IN_PANEL = "() => document.getElementById('ticket-panel').contains(document.activeElement)"


def _press(page: Page, selector: str) -> None:
    """Focus a control and press Enter on it, as a keyboard user does."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def _stays_in_the_panel(page: Page) -> None:
    # the live event may show the new state before the write's own answer gives the
    # focus back: wait for it (it never came back, before)
    page.wait_for_function(IN_PANEL)
    page.keyboard.press("Tab")  # the next stop is in the panel, not the skip link
    assert page.evaluate(IN_PANEL), page.evaluate("() => document.activeElement.outerHTML")


def test_after_a_note_a_reply_a_move_and_a_block_the_focus_stays_in_the_panel(
    browser: Any, live_hub: LiveHub
) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        log_in(page, live_hub)
        expect(page.locator("#main")).to_have_attribute("data-connection", "live")
        tag = uuid.uuid4().hex[:6]
        text = f"The lift on floor two is stuck {tag}"
        body = {
            "point": live_hub.seeded.point["code"],
            "text": text,
            "anonymous": False,
            "contact": {"email": f"guest-{tag}@example.com"},
        }
        assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
        card = _card(page, text)
        expect(card).to_have_count(1)
        card.click()
        panel = page.locator("#ticket-panel")
        expect(panel).to_be_visible()

        page.locator("#note-text").fill(f"Called the lift company {tag}")
        _press(page, "#note-form button[type=submit]")
        expect(panel.locator("#notes")).to_contain_text(f"Called the lift company {tag}")
        expect(page.locator("#note-form button[type=submit]")).to_be_focused()
        _stays_in_the_panel(page)

        page.locator("#reply-text").fill(f"A technician is on the way {tag}")
        _press(page, "#reply-form button[type=submit]")
        expect(panel.locator("#messages")).to_contain_text(f"A technician is on the way {tag}")
        expect(page.locator("#reply-form button[type=submit]")).to_be_focused()
        _stays_in_the_panel(page)

        # "Resolved" is no move from resolved: its button goes, the panel keeps the focus
        _press(page, '#ticket-panel [data-move="resolved"]')
        expect(panel.locator("[data-f=status]")).to_have_text("Resolved")
        _stays_in_the_panel(page)

        _press(page, "#block-button")
        page.locator("#block-dialog").get_by_role("button", name="Block sender").click()
        expect(page.locator("#block-done")).to_be_visible()
        _stays_in_the_panel(page)
    finally:
        context.close()
