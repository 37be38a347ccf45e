"""A new kiosk's pairing link comes as a QR code to scan with the tablet and a copy button,
shown once: nobody types a 32-character token on a tablet."""

from __future__ import annotations

from typing import Any

import pytest
import segno
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, log_in, opened

pytestmark = pytest.mark.browser


def test_the_pairing_link_is_shown_once_as_a_qr_code_with_a_copy_button(
    browser: Any, live_hub: LiveHub
) -> None:
    with opened(
        browser,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        permissions=["clipboard-read", "clipboard-write"],
    ) as office:
        admin = office.new_page()
        errors: list[str] = []
        admin.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(admin, live_hub, "manager", "/login?next=/admin/kiosks")
        admin.wait_for_url("**/admin/kiosks")
        new = admin.locator("#kiosk-create")
        if not new.is_visible():
            admin.get_by_text("New kiosk").click()
        new.get_by_label("Name").fill("Terrace kiosk")
        new.get_by_role("button", name="Create the kiosk").click()
        link = admin.locator("#pair-link")
        expect(link).to_contain_text("/kiosk#device_token=")
        pair_url = link.inner_text()
        expect(admin.locator("#pairing")).to_contain_text("It is shown only now")

        # the QR code is the pairing link's, drawn by segno as the hub's other codes
        qr = admin.get_by_role("img", name="QR code of the pairing link")
        expect(qr).to_be_visible()
        source = qr.get_attribute("src") or ""
        assert source.startswith("data:image/svg+xml")
        assert source == segno.make(pair_url, error="m").svg_data_uri(scale=4, border=4)
        box = qr.bounding_box()
        assert box is not None and box["width"] >= 160  # big enough to scan from a tablet

        admin.get_by_role("button", name="Copy link").click()
        expect(admin.locator("#pair-copy-status")).to_have_text("Copied.")
        assert admin.evaluate("navigator.clipboard.readText()") == pair_url

        admin.reload()  # shown once: gone now, the code with it
        expect(admin.locator("#pairing")).to_be_hidden()
        assert admin.locator("#pair-qr").get_attribute("src") is None
        assert errors == []
