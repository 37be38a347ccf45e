"""Block this sender from the console: their next SOS is held back, not their neighbours'.

The dialog blocks the sender's own e-mail, phone and device; their network address (a whole
hotel's Wi-Fi) or a kiosk (every guest at it) only when ticked, under a visible warning.
"""

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
        body = {
            "point": live_hub.seeded.point["code"],
            "text": text,
            "anonymous": False,
            "contact": contact,
        }
        assert httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).status_code == 201
        card = _card(console, text)
        expect(card).to_have_count(1)
        card.click()
        console.get_by_role("button", name="Block this sender").click()
        dialog = console.locator("#block-dialog")
        # the sender's own identifiers by default; their network only if ticked, with a warning
        network = dialog.get_by_label("Also block their network address")
        expect(network).not_to_be_checked()
        expect(dialog.get_by_text("Blocks every guest on this network")).to_be_visible()
        expect(dialog.get_by_label("Also block this kiosk")).to_be_hidden()
        dialog.get_by_role("button", name="Block sender").click()
        expect(dialog).to_be_hidden()
        expect(console.locator("#block-done")).to_be_visible()

        again = {**body, "text": f"Totally different words {uuid.uuid4().hex[:6]}"}
        r = httpx.post(f"{live_hub.url}/api/v1/sos", json=again, timeout=10)
        assert r.status_code == 201
        token = live_hub.seeded.tokens["agent"]
        held = httpx.get(
            f"{live_hub.url}/api/v1/tickets",
            params={"status": "quarantined"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()["items"]
        assert [(t["id"], t["quarantine_reason"]) for t in held if t["id"] == r.json()["id"]] == [
            (r.json()["id"], "blocked")
        ]
        expect(_card(console, again["text"])).to_have_count(0)
        _no_script_errors(console)
    finally:
        for context in opened:
            context.close()


def _api(live_hub: LiveHub, method: str, path: str, role: str = "agent", **kw: Any) -> Any:
    token = live_hub.seeded.tokens[role]
    return httpx.request(
        method,
        f"{live_hub.url}{path}",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        **kw,
    )


def _paired_kiosk(live_hub: LiveHub, name: str) -> dict[str, str]:
    """A new kiosk at the seeded point: the headers its SOS are posted with."""
    r = _api(
        live_hub,
        "POST",
        "/api/v1/kiosks",
        "manager",
        json={"name": name, "point": live_hub.seeded.point["code"]},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['device_token']}"}


def test_blocking_a_kiosk_ticket_leaves_the_kiosk_open_to_the_next_guest_unless_ticked(
    browser: Any, live_hub: LiveHub
) -> None:
    opened: list[Any] = []
    try:
        _context, console = _console(browser, opened, live_hub)
        kiosk = _paired_kiosk(live_hub, "Hall kiosk")
        tag = uuid.uuid4().hex[:6]
        troll: dict[str, Any] = {
            "text": f"Rude words at the kiosk {tag}",
            "anonymous": False,
            "contact": {"email": f"troll-{tag}@example.com"},
        }
        r = httpx.post(f"{live_hub.url}/api/v1/kiosk/sos", json=troll, headers=kiosk, timeout=10)
        assert r.status_code == 201, r.text
        blocks_before = len(_api(live_hub, "GET", "/api/v1/blocks", "manager").json()["items"])

        _card(console, troll["text"]).click()
        block = console.get_by_role("button", name="Block this sender")
        block.click()
        dialog = console.locator("#block-dialog")
        expect(dialog.get_by_text("came from a kiosk")).to_be_visible()
        kiosk_box = dialog.get_by_label("Also block this kiosk")
        expect(kiosk_box).not_to_be_checked()
        expect(dialog.get_by_text("Blocks every guest who uses this kiosk.")).to_be_visible()
        expect(dialog.get_by_label("Also block their network address")).not_to_be_checked()
        dialog.get_by_role("button", name="Cancel").click()  # changed their mind: nothing
        expect(dialog).to_be_hidden()
        expect(console.locator("#block-done")).to_be_hidden()
        assert (
            len(_api(live_hub, "GET", "/api/v1/blocks", "manager").json()["items"]) == blocks_before
        )

        block.click()
        expect(kiosk_box).not_to_be_checked()
        dialog.get_by_role("button", name="Block sender").click()
        expect(console.locator("#block-done")).to_be_visible()

        guest: dict[str, Any] = {"text": f"The next guest needs a taxi {tag}", "anonymous": True}
        r = httpx.post(f"{live_hub.url}/api/v1/kiosk/sos", json=guest, headers=kiosk, timeout=10)
        assert r.status_code == 201
        expect(_card(console, guest["text"])).to_have_count(1)  # not held back
        again = {**troll, "text": f"Still rude {tag}"}
        r = httpx.post(f"{live_hub.url}/api/v1/kiosk/sos", json=again, headers=kiosk, timeout=10)
        held = _api(live_hub, "GET", "/api/v1/tickets", params={"status": "quarantined"})
        assert r.json()["id"] in [t["id"] for t in held.json()["items"]]
        _no_script_errors(console)
    finally:
        for context in opened:
            context.close()


def test_the_block_dialog_knows_a_kiosk_ticket_before_its_detail_has_loaded(
    browser: Any, live_hub: LiveHub
) -> None:
    """A quick agent may click before the ticket's detail arrives: the warning must not wait."""
    opened: list[Any] = []
    try:
        _context, console = _console(browser, opened, live_hub)
        kiosk = _paired_kiosk(live_hub, "Lobby kiosk")
        text = f"Insults typed at the lobby kiosk {uuid.uuid4().hex[:6]}"
        body = {"text": text, "anonymous": True}
        r = httpx.post(f"{live_hub.url}/api/v1/kiosk/sos", json=body, headers=kiosk, timeout=10)
        assert r.status_code == 201, r.text
        held: list[Any] = []

        def hold(route: Any) -> None:
            held.append(route)

        # The ticket's detail never answers while the agent decides.
        console.route(f"**/api/v1/tickets/{r.json()['id']}", hold)
        _card(console, text).click()
        console.get_by_role("button", name="Block this sender").click()
        dialog = console.locator("#block-dialog")
        expect(dialog.get_by_text("came from a kiosk")).to_be_visible()
        expect(dialog.get_by_label("Also block this kiosk")).not_to_be_checked()
        dialog.get_by_role("button", name="Cancel").click()
        assert held, "the detail request was held while the dialog showed"
        console.unroute(f"**/api/v1/tickets/{r.json()['id']}")
    finally:
        for context in opened:
            context.close()
