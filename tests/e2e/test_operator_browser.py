"""In the browser: the operator opens a business from the page, its new admin sets a password
with the invitation's link and lands on the checklist at 0 of 7, which ticks itself; the
operator suspends and resumes it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hub.installation.operators import create_operator
from hub.ports import Store
from tests.e2e.conftest import LiveHub
from tests.helpers import PASSWORD, Seeded, _cached_hash
from tests.kit import Serve

pytestmark = pytest.mark.browser

OPERATOR = "club@soscliente.example"


async def _operator(store: Store, tenants: dict[str, Seeded]) -> None:
    await create_operator(store, email=OPERATOR, password=PASSWORD, hash_password=_cached_hash)


SERVED = Serve(slugs=("mirador",), seed=_operator)


def test_the_operator_opens_a_business_whose_manager_lands_on_a_checklist_that_ticks(
    browser: Any, live_hub: LiveHub
) -> None:
    english = {"locale": "en-GB", "extra_http_headers": {"Accept-Language": "en"}}
    office = browser.new_context(**english)
    desk = browser.new_context(**english)
    errors: list[str] = []
    try:
        op = office.new_page()
        op.on("pageerror", lambda exc: errors.append(str(exc)))
        op.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
        op.goto(f"{live_hub.url}/operator")
        op.wait_for_url("**/operator/login?next=/operator")
        op.get_by_label("E-mail").fill(OPERATOR)
        op.get_by_label("Password").fill(PASSWORD)
        op.get_by_role("button", name="Log in").click()
        op.wait_for_url("**/operator")
        expect(op.get_by_role("heading", name="Businesses", exact=True)).to_be_visible()
        expect(op.locator('#businesses tr[data-slug="mirador"]')).to_contain_text("In service")

        # a wrong time zone is named next to its field; nothing is opened
        op.get_by_label("Name", exact=True).fill("Hostal Luna")
        expect(op.get_by_label("Short name for addresses")).to_have_value("hostal-luna")
        op.get_by_label("Time zone").fill("Mars/Olympus_Mons")
        op.get_by_label("First administrator's e-mail").fill("luna@hostal.example")
        op.get_by_role("button", name="Open the business").click()
        expect(op.get_by_label("Time zone")).to_have_attribute("aria-invalid", "true")
        expect(op.locator("#business-create")).to_contain_text(
            "Unknown time zone: choose one from the list"
        )
        expect(op.locator('#businesses tr[data-slug="hostal-luna"]')).to_have_count(0)

        op.get_by_label("Time zone").fill("Atlantic/Canary")
        op.get_by_role("button", name="Open the business").click()
        expect(op.locator("#opened")).to_be_visible()
        expect(op.locator("#opened-email")).to_have_text("luna@hostal.example")
        expect(op.locator("#opened-mailed")).to_contain_text("send it to luna@hostal.example")
        expect(op.locator("#opened-until")).to_contain_text("It works once, until")
        link = op.get_by_label("Their set-password link (shown only now)").input_value()
        assert link.startswith(f"{live_hub.url}/set-password/"), link
        row = op.locator('#businesses tr[data-slug="hostal-luna"]')
        expect(row).to_contain_text("Hostal Luna")
        expect(row).to_contain_text("In service")

        # the new admin opens the link, chooses a password and lands on the checklist
        page = desk.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console", lambda m: errors.append(m.text) if "Content Security" in m.text else None
        )
        page.goto(f"{link}?lang=en")
        page.get_by_label("New password", exact=True).fill("luna-2026-hostal")
        page.get_by_label("The same password again").fill("luna-2026-hostal")
        page.get_by_role("button", name="Save and log in").click()
        page.wait_for_url("**/admin/start")
        expect(page.locator("#start-count")).to_have_text("0 of 7 done")
        expect(page.locator('.check-step[data-done="true"]')).to_have_count(0)
        rules = page.locator('.check-step[data-key="rules"]')
        expect(rules.get_by_role("link", name="Add a routing rule")).to_have_attribute(
            "href", "/admin/rules"
        )

        # a routing rule appears (from another tab, say): the page ticks it when looked at again
        made = page.request.post(
            f"{live_hub.url}/api/v1/rules",
            data={
                "name": "All to me",
                "recipients": [{"channel": "email", "to": "luna@hostal.example"}],
            },
            headers={"X-Requested-With": "sos-hub"},
        )
        assert made.status == 201, made.text()
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        expect(page.locator("#start-count")).to_have_text("1 of 7 done")
        expect(rules).to_have_attribute("data-done", "true")
        expect(rules.locator("[data-state]")).to_have_text("Done")

        # from the console's crowded bar, on a laptop, "More" opens over the board (not
        # clipped by the bar) and leads to the other pages
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_hub.url}/console?lang=es")
        page.locator(".nav-more summary").click()
        points = page.locator(".nav-more-list").get_by_role("link", name="Puntos de acceso")
        expect(points).to_be_visible()
        box = points.bounding_box()
        assert box is not None and box["y"] > 60, box  # under the bar, over the board
        on_top = "([x, y]) => document.elementFromPoint(x, y)?.textContent?.trim()"
        centre = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
        assert page.evaluate(on_top, centre) == "Puntos de acceso"
        points.click()
        page.wait_for_url("**/admin/points")
        page.goto(f"{live_hub.url}/admin/start")

        # the operator suspends it from the page: its manager is shut out; resumed, back in
        op.on("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Suspend").click()
        expect(op.locator("#list-status")).to_have_text("Hostal Luna is suspended.")
        expect(op.locator('#businesses tr[data-slug="hostal-luna"]')).to_contain_text("Suspended")
        page.reload()
        expect(page.get_by_role("heading", name="Not available right now")).to_be_visible()
        op.locator('#businesses tr[data-slug="hostal-luna"]').get_by_role(
            "button", name="Resume"
        ).click()
        expect(op.locator("#list-status")).to_have_text("Hostal Luna is active again.")
        page.reload()
        expect(page.locator("#start-count")).to_have_text("1 of 7 done")
        assert not errors, errors
    finally:
        office.close()
        desk.close()
