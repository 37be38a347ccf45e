"""What the console shows of a merged repeat (who sent it again) and of a held thread message."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub
from tests.e2e.test_live_loop_browser import _card, _console, _no_script_errors

pytestmark = pytest.mark.browser


def test_the_console_shows_who_sent_an_sos_again_and_flags_a_held_message(
    browser: Any, live_hub: LiveHub
) -> None:
    opened: list[Any] = []
    try:
        _context, console = _console(browser, opened, live_hub)
        text = f"Towels missing in room {uuid.uuid4().hex[:6]}"
        phone = {"Cookie": f"sos_device=e2e-{uuid.uuid4().hex[:12]}"}
        body = {
            "point": live_hub.seeded.point["code"],
            "text": text,
            "anonymous": False,
            "contact": {"name": "Ana", "email": "ana@example.com"},
        }
        first = httpx.post(f"{live_hub.url}/api/v1/sos", json=body, headers=phone, timeout=10)
        assert first.status_code == 201
        again = {**body, "text": text + "!", "contact": {"name": "Ana", "phone": "+34600111222"}}
        r = httpx.post(f"{live_hub.url}/api/v1/sos", json=again, headers=phone, timeout=10)
        assert r.json()["id"] == first.json()["id"]
        token = first.json()["thread_url"].rsplit("/", 1)[1]
        r = httpx.post(
            f"{live_hub.url}/api/v1/thread/{token}/messages",
            timeout=10,
            json={"text": "Cheap pills at www.cheap-pills.xyz"},
        )
        assert r.status_code == 201

        card = _card(console, text)
        expect(card).to_have_count(1)
        card.click()
        repeat = console.locator("#history .history-item.repeat")
        expect(repeat).to_have_count(1)
        expect(repeat).to_contain_text("+34600111222")
        expect(repeat).to_contain_text(text + "!")
        held = console.locator("#messages .entry.held")
        expect(held).to_have_count(1)
        expect(held).to_contain_text("www.cheap-pills.xyz")
        expect(held.locator(".held-note")).to_be_visible()
        _no_script_errors(console)
    finally:
        for context in opened:
            context.close()
