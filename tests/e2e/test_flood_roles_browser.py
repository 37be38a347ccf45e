"""Held-back floods in a browser, by role: releasing a whole network is a manager's call
(the API refuses an agent), so an agent's held-back page lists the network's flood without
its button and says who can; the agent releases the SOS one at a time.

A hub of its own (rate limits on, as shipped): the other floods module's releases make
this machine's one address start its budget over, and a fresh flood on top of theirs
would run into the per-address rate limit.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub
from tests.e2e.test_floods_browser import SERVED, _api, _flood, _log_in  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_agent_sees_a_networks_flood_but_releases_its_sos_one_at_a_time(
    browser: Any, live_hub: LiveHub
) -> None:
    """Releasing a whole network is a manager's call: an agent gets no button for it."""
    _flood(live_hub, 2)
    [group] = _api(live_hub, "GET", "/api/v1/floods")["items"]
    context, page, problems = _log_in(browser, live_hub, "es", "/held-back", "agent")
    line = page.locator("#floods li")
    expect(line).to_have_count(1)
    expect(line).to_contain_text(
        f"{group['count']} SOS, del n.º {group['first_number']} al n.º {group['last_number']}"
    )
    expect(page.locator("#floods").get_by_role("button")).to_have_count(0)
    expect(page.locator("#floods")).to_contain_text(
        "Solo un responsable puede liberar una red entera de una vez."
    )
    # each held SOS keeps its own Release in the list
    last = str(group["last_number"])
    row = page.locator("#held-rows tr").filter(has=page.get_by_text(last, exact=True))
    row.get_by_role("button", name="Liberar", exact=True).click()
    expect(page.locator("#held-status")).to_have_text(
        f"N.º {last} liberado: ya está en las consolas."
    )
    # a manager's page has the button
    boss, managed, boss_problems = _log_in(browser, live_hub, "es", "/held-back", "manager")
    expect(managed.locator("#floods li").get_by_role("button")).to_have_count(1)
    expect(managed.locator("#floods-managers")).to_have_count(0)
    assert problems == [] and boss_problems == []
    context.close()
    boss.close()
