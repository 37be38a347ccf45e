"""One e-mail at two businesses, in a real browser: the password decides where it lands, and
when it opens both, the person picks the business (by keyboard too) after logging in.

Screenshots of the chooser go to /tmp/shots/login-choice/ (or $HUB_SHOTS_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from hub.accounts.passwords import hash_token
from hub.accounts.services import create_user
from hub.ports import Store
from tests.e2e.conftest import LiveHub, opened, send_login
from tests.helpers import PASSWORD, Seeded, _cached_hash
from tests.kit import Serve

OTHER = "acme-only-pass-2026"
SPLIT = "lucia@two.example"  # a different password at each business
SHARED = "quality@two.example"  # the same password at both
SHOTS = Path(os.environ.get("HUB_SHOTS_DIR", "/tmp/shots/login-choice"))
SIZES = ((390, 844), (820, 1180), (1440, 900))


async def _two_businesses(store: Store, tenants: dict[str, Seeded]) -> None:
    """The same people at both businesses: the split one with two passwords."""
    for slug, passwords in (("mirador", (PASSWORD, PASSWORD)), ("acme", (OTHER, PASSWORD))):
        for email, password in zip((SPLIT, SHARED), passwords, strict=True):
            await create_user(
                store,
                tenants[slug].tenant,
                email=email,
                password=password,
                role="agent",
                hash_password=_cached_hash,
                hash_token=hash_token,
            )


SERVED = Serve(slugs=("mirador", "acme"), seed=_two_businesses)


def business_of(page: Page) -> str:
    """The slug of the business this browser is logged in to."""
    me: dict[str, Any] = page.request.get(page.url.split("/console")[0] + "/api/v1/me").json()
    return str(me["tenant"]["slug"])


def test_each_password_lands_in_its_own_business(browser: Any, live_hub: LiveHub) -> None:
    for password, slug in ((OTHER, "acme"), (PASSWORD, "mirador")):
        with opened(browser) as context:
            page = context.new_page()
            page.goto(f"{live_hub.url}/login")
            send_login(page, SPLIT, password)
            page.wait_for_url("**/console")
            assert business_of(page) == slug
    with opened(browser) as context:  # a wrong one still gets the usual answer, no names
        page = context.new_page()
        page.goto(f"{live_hub.url}/login")
        send_login(page, SPLIT, "not-the-password")
        expect(page.locator("#login-error")).to_have_text("Wrong e-mail or password.")
        expect(page.get_by_text("Business acme")).to_have_count(0)


def test_a_password_that_opens_both_asks_which_business(browser: Any, live_hub: LiveHub) -> None:
    # by keyboard: the first business has the focus, Tab moves to the next, Enter logs in
    with opened(browser) as context:
        page = context.new_page()
        page.goto(f"{live_hub.url}/login")
        send_login(page, SHARED, PASSWORD)
        expect(page.get_by_role("heading", name="Which business?")).to_be_visible()
        choices = page.locator(".business-choice")
        expect(choices).to_have_text(["Business acme", "Business mirador"])
        expect(choices.first).to_be_focused()
        page.keyboard.press("Tab")
        expect(choices.nth(1)).to_be_focused()
        page.keyboard.press("Enter")
        page.wait_for_url("**/console")
        assert business_of(page) == "mirador"
    # by pointer, the other one, in Spanish
    with opened(browser, locale="es", extra_http_headers={"Accept-Language": "es"}) as context:
        page = context.new_page()
        page.goto(f"{live_hub.url}/login?lang=es")
        send_login(page, SHARED, PASSWORD)
        expect(page.get_by_role("heading", name="¿En qué negocio?")).to_be_visible()
        page.get_by_role("button", name="Business acme").click()
        page.wait_for_url("**/console")
        assert business_of(page) == "acme"


def test_the_chooser_fits_every_screen(browser: Any, live_hub: LiveHub) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, scheme in (("en", "light"), ("es", "dark")):
        for width, height in SIZES:
            with opened(
                browser,
                locale=lang,
                extra_http_headers={"Accept-Language": lang},
                viewport={"width": width, "height": height},
                color_scheme=scheme,
            ) as context:
                page = context.new_page()
                page.goto(f"{live_hub.url}/login?lang={lang}")
                send_login(page, SHARED, PASSWORD)
                choices = page.locator(".business-choice")
                expect(choices).to_have_count(2)
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (lang, width, overflow)
                for i in range(2):
                    box = choices.nth(i).bounding_box()
                    assert box is not None and box["height"] >= 44 and box["width"] <= width
                page.screenshot(path=str(SHOTS / f"chooser-{lang}-{scheme}-{width}.png"))
