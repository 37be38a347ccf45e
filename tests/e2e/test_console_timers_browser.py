"""The console counts down the on-site and reply promises on every card and flags breaches;
each card shows the category its text suggests, which one key (c) confirms."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, log_in
from tests.e2e.test_live_loop_browser import _card

pytestmark = pytest.mark.browser


def test_a_new_sos_counts_down_and_is_flagged_when_nobody_takes_it_in_time(
    browser: Any, live_hub: LiveHub
) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.clock.install()  # the page's own clock, so the test can move time forward
        log_in(page, live_hub)
        expect(page.locator("#main")).to_have_attribute("data-connection", "live")

        tag = uuid.uuid4().hex[:6]
        text = f"Nobody at the pool towel desk {tag}"
        question = f"What time does the pool open? Room {tag}"
        for sent in (text, question):
            body = {"point": live_hub.seeded.point["code"], "text": sent, "anonymous": True}
            assert (
                httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
            )
        card = _card(page, text)
        expect(card.locator(".timer-onsite")).to_have_text("On site: 15 min left")
        # a complaint about the service: the business's promise
        expect(card.locator(".card-cat")).to_have_text("Service complaint?")
        expect(card.locator(".timer-reply")).to_have_text("Reply due in 48 h")
        # a basic question: answered within minutes
        asked = _card(page, question)
        expect(asked.locator(".card-cat.suggested")).to_have_text("Basic question?")
        expect(asked.locator(".timer-reply")).to_have_text("Reply due in 15 min")

        asked.click()  # open it, then one key confirms the suggestion
        panel = page.locator("#ticket-panel")
        expect(panel.locator("[data-f=category]")).to_have_text("Suggested: Basic question")
        page.keyboard.press("c")
        expect(asked.locator(".card-cat")).to_have_text("Basic question")
        expect(asked.locator(".card-cat")).not_to_have_class(re.compile(r"\bsuggested\b"))
        expect(panel.locator("#confirm-category")).to_be_hidden()
        expect(panel.locator("#d-category")).to_have_value("question_basic")
        page.keyboard.press("Escape")

        page.clock.fast_forward("20:00")  # twenty minutes, nobody acknowledged nor answered
        expect(card.locator(".timer-onsite")).to_have_text("On site: 5 min over")
        expect(card).to_have_class(re.compile(r"\bbreached\b"))
        expect(asked.locator(".timer-reply")).to_have_text("Reply overdue by 5 min")
        expect(card.locator(".timer-reply")).to_have_text("Reply due in 48 h")

        card.click()
        page.get_by_role("button", name="Acknowledge").click()
        expect(card.locator(".timer-onsite")).to_be_hidden()
        expect(card.locator(".timer-reply")).to_be_visible()
    finally:
        context.close()
