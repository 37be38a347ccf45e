"""The accessibility review's findings, as a guest or a staff member meets them in Chromium:
what they see and where their focus lands after each step."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from playwright.sync_api import Browser, expect

from hub.moderation.settings import load_config, save_config
from hub.ports import Store
from tests.e2e.conftest import LiveHub
from tests.helpers import Seeded
from tests.kit import Serve, live_sos

pytestmark = pytest.mark.browser


async def _no_bot_check(store: Store, tenants: dict[str, Seeded]) -> None:
    """A robot types faster than the bot check's two seconds (it has its own tests)."""
    tenant_id = tenants["mirador"].tenant["id"]
    config = await load_config(store, tenant_id)
    await save_config(
        store, tenant_id, replace(config, checks={**config.checks, "bots": False}), None
    )


SERVED = Serve(slugs=("mirador",), seed=_no_bot_check)


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
