"""Block this sender from the console: one click, and their next SOS is held back."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub
from tests.e2e.test_live_loop_browser import _card, _console, _no_script_errors

pytestmark = pytest.mark.browser


def test_an_agent_blocks_a_sender_in_one_click_and_their_next_sos_is_held_back(
    browser: Any, live_hub: LiveHub
) -> None:
    opened: list[Any] = []
    try:
        _context, console = _console(browser, opened, live_hub)
        text = f"Buy cheap watches now {uuid.uuid4().hex[:6]}"
        contact = {"email": f"spammer-{uuid.uuid4().hex[:6]}@example.com"}
        body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": False,
                "contact": contact}
        assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
        card = _card(console, text)
        expect(card).to_have_count(1)
        card.click()
        console.once("dialog", lambda dialog: dialog.accept())
        console.get_by_role("button", name="Block this sender").click()
        expect(console.locator("#block-done")).to_be_visible()

        again = {**body, "text": f"Totally different words {uuid.uuid4().hex[:6]}"}
        r = httpx.post(f"{live_hub.url}/api/v1/sos", json=again, timeout=10)
        assert r.status_code == 201
        token = live_hub.seeded.tokens["agent"]
        held = httpx.get(f"{live_hub.url}/api/v1/tickets", params={"status": "quarantined"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10).json()["items"]
        assert [(t["id"], t["quarantine_reason"]) for t in held if t["id"] == r.json()["id"]] == [
            (r.json()["id"], "blocked")
        ]
        expect(_card(console, again["text"])).to_have_count(0)
        _no_script_errors(console)
    finally:
        for context in opened:
            context.close()
