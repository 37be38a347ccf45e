"""Behind a privacy proxy that strips Fetch Metadata (Sec-Fetch-Site), the staff pages' own
writes still go through: the hub refuses a write with the session cookie that says
"Origin: null" (a sandboxed frame on a sibling subdomain), so its pages must name their
real origin (Referrer-Policy: same-origin; under no-referrer a browser sends "null").
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, log_in, opened
from tests.e2e.privacy_proxy import stripping_proxy
from tests.e2e.test_live_loop_browser import _card

pytestmark = pytest.mark.browser


def test_the_consoles_note_and_log_out_work_without_fetch_metadata(
    browser: Any, live_hub: LiveHub
) -> None:
    """Through a real proxy that drops Sec-Fetch-* (Playwright's own interception cannot:
    the browser adds them after it), the hub judges the pages' posts by their Origin."""
    screen = {"locale": "en-GB", "viewport": {"width": 1366, "height": 768}}
    with stripping_proxy() as proxy, opened(browser, proxy=proxy, **screen) as context:
        page = context.new_page()
        log_in(page, live_hub)
        expect(page.locator("#main")).to_have_attribute("data-connection", "live")
        tag = uuid.uuid4().hex[:6]
        text = f"The sauna is cold {tag}"
        body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": True}
        assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
        card = _card(page, text)
        card.click()
        panel = page.locator("#ticket-panel")
        expect(panel).to_be_visible()
        # an API write (fetch, with the session cookie)
        page.locator("#note-text").fill(f"Called maintenance {tag}")
        page.locator("#note-form button[type=submit]").click()
        expect(panel.locator("#notes")).to_contain_text(f"Called maintenance {tag}")
        # a page's plain form
        page.get_by_role("button", name="Log out").click()
        # on /login (the console, told its session ended, may add ?next= itself)
        expect(page).to_have_url(re.compile(r"/login(\?|$)"))
        assert page.request.get(f"{live_hub.url}/api/v1/me").status == 401
