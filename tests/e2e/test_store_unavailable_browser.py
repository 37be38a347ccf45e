"""A customer presses Send while the store cannot take writes: the page says the message was not
sent and keeps what they wrote; once the store is back, the same form goes through. The store
is really locked (another connection's BEGIN EXCLUSIVE on the file), nothing is intercepted."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from tests.e2e.conftest import LiveHub
from tests.kit import Serve

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
TEXT = "The shower in room 12 is flooding the floor"


# A hub that waits at most half a second for the store (HUB_STORE_TIMEOUT).
SERVED = Serve(slugs=("mirador",), envs=({"HUB_STORE_TIMEOUT": "0.5"},))


@pytest.fixture(scope="module")
def db(live_hub: LiveHub) -> Path:
    return live_hub.db


@contextmanager
def store_locked(db: Path) -> Iterator[None]:
    """Another process holding the SQLite file (BEGIN EXCLUSIVE): no write gets through."""
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_the_form_keeps_the_text_and_says_it_was_not_sent_while_the_store_is_locked(
    browser: Browser, live_hub: LiveHub, db: Path
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_hub.url}/q/mirador-bar?lang=en")
        page.fill("#text", TEXT)
        page.locator("#contact-more summary").click()  # the optional details, folded away
        page.fill("#name", "Ana")
        page.fill("#email", "ana@example.com")
        with store_locked(db):
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.click("button[type=submit]")
            assert answer.value.status == 503
            assert answer.value.headers.get("retry-after")
            expect(page.locator("#form-error")).to_be_visible()
            expect(page.locator("#form-error")).to_contain_text("was not sent")
            expect(page.locator("#text")).to_have_value(TEXT)
            expect(page.locator("#name")).to_have_value("Ana")
            expect(page.locator("#email")).to_have_value("ana@example.com")
            expect(page.locator("button[type=submit]")).to_be_enabled()
        page.click("button[type=submit]")  # the store is back: the same text goes through
        page.wait_for_url("**/t/*")
        expect(page.locator("body")).to_contain_text(TEXT)
    finally:
        context.close()


def test_a_thread_answer_keeps_its_text_and_says_it_was_not_sent_while_the_store_is_locked(
    browser: Browser, live_hub: LiveHub, db: Path
) -> None:
    r = httpx.post(
        f"{live_hub.url}/api/v1/sos",
        json={"point": "mirador-bar", "text": "No hot water in room 4", "anonymous": True},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(r.json()["thread_url"] + "?lang=en")
        page.fill("#text", "Still no hot water")
        with store_locked(db):
            with page.expect_response(lambda r: r.request.method == "POST") as answer:
                page.click("#answer-form button[type=submit]")
            assert answer.value.status == 503
            expect(page.locator("#text-error")).to_contain_text("was not sent")
            expect(page.locator("#text")).to_have_value("Still no hot water")
    finally:
        context.close()
