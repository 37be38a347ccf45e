"""The console counts down the on-site and reply promises on every card and flags breaches."""

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

        text = f"Nobody at the pool towel desk {uuid.uuid4().hex[:6]}"
        body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": True}
        assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
        card = _card(page, text)
        expect(card.locator(".timer-onsite")).to_have_text("On site: 15 min left")
        expect(card.locator(".timer-reply")).to_have_text("Reply due in 48 h")

        page.clock.fast_forward("20:00")  # twenty minutes, nobody acknowledged
        expect(card.locator(".timer-onsite")).to_have_text("On site: 5 min over")
        expect(card).to_have_class(re.compile(r"\bbreached\b"))

        card.click()
        page.get_by_role("button", name="Acknowledge").click()
        expect(card.locator(".timer-onsite")).to_be_hidden()
        expect(card.locator(".timer-reply")).to_be_visible()
    finally:
        context.close()
