"""The console's canned answers on a tablet, in a real browser: each names its language as
staff read it ("inglés", "English"), not as a code ("EN"), and a screen reader hears which."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, staff_page
from tests.kit import fresh_device, live_sos

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("lang", "english", "spanish"),
    [("es", "inglés", "español"), ("en", "English", "Spanish")],
)
def test_a_canned_answer_names_its_language_as_staff_read_it(
    browser: Any, live_hub: LiveHub, lang: str, english: str, spanish: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    manager = live_hub.seeded.auth("manager")
    for language, title in (("en", f"Towels {tag}"), ("es", f"Toallas {tag}")):
        body = {"title": title, "category": None, "language": language, "text": f"{title}."}
        r = httpx.post(f"{live_hub.url}/api/v1/answers", json=body, headers=manager, timeout=10)
        assert r.status_code == 201, r.text
    text = f"We need more towels in room 12 please ({tag})"
    live_sos(live_hub.url, live_hub.seeded, text, device=fresh_device())
    context, page, problems = staff_page(browser, live_hub, lang, "/console", 820, 1180, "agent")
    page.locator("#board .ticket").filter(has_text=text).get_by_role("button").first.click()
    answers = page.locator("#answer-list")
    for title, name in ((f"Towels {tag}", english), (f"Toallas {tag}", spanish)):
        chip = answers.locator(".answer-chip", has_text=title)
        expect(chip).to_be_visible()
        expect(chip.locator(".answer-lang")).to_have_text(re.compile(rf"{name}$"))
        expect(chip.locator(".answer-lang")).to_be_visible()
        # a screen reader hears which language, not two letters
        label = "Idioma" if lang == "es" else "Language"
        expect(chip).to_have_accessible_name(re.compile(rf"{title}.*{label}: {name}"))
    assert problems == []
    context.close()
