"""Photos in real browsers: a phone sends an SOS with photos, the agent sees them and answers
with one, the customer sees it arrive. One walk, several checks (browser tests are slow)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, FilePayload, Locator, Page, expect

from tests.e2e.conftest import LiveHub, log_in
from tests.kit import Serve, no_bot_check

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
WAIT_MS = 10_000


SERVED = Serve(slugs=("mirador",), seed=no_bot_check)


def photo(colour: tuple[int, int, int], kind: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, kind)
    return out.getvalue()


def file(name: str, content: bytes, mime: str = "image/jpeg") -> FilePayload:
    return {"name": name, "mimeType": mime, "buffer": content}


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _context(browser: Browser, opened: list[BrowserContext], **options: Any) -> BrowserContext:
    context = browser.new_context(locale="en-GB", **options)
    context.set_default_timeout(WAIT_MS)
    opened.append(context)
    return context


def _watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def expect_loaded(images: Locator, count: int) -> None:
    """`count` images, each really decoded (the hub served it, the CSP let it in)."""
    expect(images).to_have_count(count)
    for i in range(count):
        expect(images.nth(i)).to_be_visible()
        images.nth(i).evaluate("img => img.decode()")
        assert images.nth(i).evaluate("img => img.naturalWidth") > 0


def test_a_customer_sends_photos_with_an_sos_and_the_agent_answers_with_one(
    browser: Browser, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    phone = _context(browser, contexts, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone_errors = _watch(phone)
    phone.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    text = "There is a big stain on the carpet of room 12"
    phone.get_by_label("Your message").fill(text)
    picker = phone.locator("#photo-picker")
    expect(picker.get_by_text("Add photo")).to_be_visible()
    phone.locator("#photo-input").set_input_files(
        [
            file("stain.jpg", photo((150, 90, 40))),
            file("notes.jpg", b"this is a shopping list, not a photo"),  # the hub refuses it
            file("extra.png", photo((10, 120, 200), "PNG"), "image/png"),
        ]
    )
    items = picker.locator(".photo-item")
    expect(items).to_have_count(3)
    expect_loaded(items.locator("img"), 2)  # previews (the non-photo has none to show)
    # Removed before sending: it never leaves the phone.
    items.nth(2).get_by_role("button", name="Remove photo 3").click()
    expect(items).to_have_count(2)

    phone.get_by_role("button", name="Send", exact=True).click()
    # The SOS went first; the good photo went with it; the bad one says so and waits.
    expect(phone.locator("#form-error")).to_contain_text("Your message was sent")
    failed = picker.locator(".photo-item[data-state='failed']")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("not a photo")
    expect(failed.get_by_role("button", name="Try again")).to_be_hidden()  # it never will be
    expect(picker.get_by_text("Add photo")).to_be_hidden()  # the SOS is sent: nothing to add to
    phone.get_by_role("link", name="Go to your conversation").click()
    expect(phone).to_have_url(re.compile(r"/t/[^/?]+"))
    sos_bubble = phone.locator("#conversation li[data-id='ticket']")
    expect(sos_bubble).to_contain_text(text)
    expect_loaded(sos_bubble.locator(".photos img"), 1)
    token = phone.url.split("/t/")[1].split("?")[0]

    # The agent sees the photo with the SOS in the ticket view, and it opens full size.
    console = _context(browser, contexts, viewport=LAPTOP).new_page()
    console_errors = _watch(console)
    log_in(console, live_hub)
    expect(console.locator("#main")).to_have_attribute("data-connection", "live")
    console.locator("#board .ticket").filter(has_text=text).get_by_role("button").click()
    panel = console.locator("#ticket-panel")
    sos_photos = panel.locator("section.sos .photos img")
    expect_loaded(sos_photos, 1)
    link = panel.locator("section.sos .photos a").first.get_attribute("href") or ""
    assert link.startswith("/api/v1/tickets/") and token not in link
    full = console.request.get(live_hub.url + link)
    assert full.status == 200 and full.headers["content-type"] == "image/jpeg"

    # The customer adds a photo on its own from the thread; the network fails the first time,
    # the page says so and sends it again when asked: live on the console.
    uploads = re.compile(r"/attachments$")
    phone.route(uploads, lambda route: route.abort())
    phone.locator("#photo-input").set_input_files([file("closer.jpg", photo((90, 60, 30)))])
    phone.get_by_role("button", name="Send", exact=True).click()
    retry = phone.locator("#photo-picker").get_by_role("button", name="Try again")
    expect(retry).to_be_visible()
    expect(phone.locator("#photo-picker .photo-item")).to_contain_text("was not sent")
    phone.unroute(uploads)
    retry.click()
    expect_loaded(phone.locator("#conversation li.from-customer .photos img"), 2)
    expect(phone.locator("#photo-picker .photo-item")).to_have_count(0)
    expect_loaded(panel.locator("#messages .photos img"), 1)

    # The agent answers with a photo attached to the reply: the phone shows it live.
    reply = "Is this the stain? We are sending someone."
    panel.get_by_label("Reply to the customer").fill(reply)
    panel.locator("#reply-photo-input").set_input_files(
        [file("ours.png", photo((0, 160, 0), "PNG"), "image/png")]
    )
    expect(panel.locator("#reply-photos .photo-item")).to_have_count(1)
    panel.get_by_role("button", name="Send reply").click()
    expect(panel.locator("#reply-photos .photo-item")).to_have_count(0)
    staff_bubble = phone.locator("#conversation li.from-staff").filter(has_text=reply)
    expect(staff_bubble).to_have_count(1)
    expect_loaded(staff_bubble.locator(".photos img"), 1)
    assert phone_errors == [] and console_errors == []
