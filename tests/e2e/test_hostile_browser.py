"""Hostile texts in a real browser: shown literally on the console and the thread page, never run.

Every page gets traps before it loads: a `dialog` handler (alert/confirm/prompt), a
listener for `securitypolicyviolation` events, and the console's messages. A payload that
ran would open a dialog or set `window.__xss`; one parsed as HTML under our CSP would be
blocked and reported. A CSP report from our own scripts fails the test too, which also
proves the pages' own JavaScript works under the policy (no inline script, no eval).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import LiveHub, log_in
from tests.kit import live_sos

pytestmark = pytest.mark.browser

WAIT_MS = 10_000
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "<b>bold?</b> &amp; &lt;i&gt;",
    "{{constructor.constructor('window.__xss=1')()}}",
    "<iframe src=javascript:alert(1)></iframe>",
]
_ref = itertools.count(1)
TRAPS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sourceFile || ""));
});
"""


def texts(n: int = len(PAYLOADS)) -> list[str]:
    """Each payload once, tagged so that no two texts are near-duplicates."""
    return [f"{p} (ref {next(_ref)}{'!' * (i % 3)})" for i, p in enumerate(PAYLOADS[:n])]


@dataclass
class Watched:
    """A page with every way a payload could show it ran, recorded."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    csp_messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_nothing_ran(self) -> None:
        assert self.page.evaluate("typeof window.__xss") == "undefined"
        assert self.dialogs == []
        assert self.page.evaluate("window.__csp") == []
        assert self.csp_messages == []
        assert self.errors == []


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def watched_page(browser: Any, opened: list[BrowserContext]) -> Watched:
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(TRAPS)
    opened.append(context)
    page = context.new_page()
    w = Watched(page)

    def on_dialog(dialog: Any) -> None:
        w.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            w.csp_messages.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: w.errors.append(str(error)))
    return w


@pytest.fixture(scope="module")
def unfiltered(live_hub: LiveHub) -> LiveHub:
    """Filters off for this business: the payloads must reach the console, not "Held back"."""
    from hub.tickets.filters import CHECKS

    r = httpx.put(
        f"{live_hub.url}/api/v1/filters",
        json={"checks": dict.fromkeys(CHECKS, False)},
        headers={"Authorization": f"Bearer {live_hub.seeded.tokens['admin']}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return live_hub


def staff_post(hub: LiveHub, path: str, body: dict[str, Any]) -> None:
    r = httpx.post(
        f"{hub.url}{path}",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {hub.seeded.tokens['agent']}"},
    )
    assert r.status_code == 201, r.text


def wait_for_texts(page: Page, selector: str, wanted: list[str]) -> None:
    """Until every wanted text is the exact textContent of some `selector` element."""
    page.wait_for_function(
        """([selector, wanted]) => {
             const shown = [...document.querySelectorAll(selector)].map((e) => e.textContent);
             return wanted.every((t) => shown.includes(t));
           }""",
        arg=[selector, wanted],
        timeout=WAIT_MS,
    )


def test_hostile_sos_texts_show_literally_on_the_staff_console_and_nothing_runs(
    browser: Any, contexts: list[BrowserContext], unfiltered: LiveHub
) -> None:
    hub = unfiltered
    earlier, later = texts(), texts()
    # loaded by the console's first fetch
    tickets = [live_sos(hub.url, hub.seeded, t, state="new") for t in earlier]
    w = watched_page(browser, contexts)
    page = w.page
    log_in(page, hub)
    expect(page).to_have_url(f"{hub.url}/console")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    wait_for_texts(page, ".card-text", earlier)
    for t in later:  # pushed live over socket.io
        live_sos(hub.url, hub.seeded, t, state="new")
    wait_for_texts(page, ".card-text", later)
    # the ticket panel shows the full text, the customer's message and a staff note
    target = tickets[1]
    token = target["thread_url"].rsplit("/", 1)[1]
    r = httpx.post(f"{hub.url}/api/v1/thread/{token}/messages", json={"text": earlier[2]})
    assert r.status_code == 201, r.text
    staff_post(hub, f"/api/v1/tickets/{target['id']}/notes", {"text": earlier[3]})
    page.locator(f".ticket[data-ticket-id='{target['id']}']").click()
    panel = page.locator("#ticket-panel")
    expect(panel).to_contain_text(earlier[1])
    expect(panel).to_contain_text(earlier[2])
    expect(panel).to_contain_text(earlier[3])
    assert page.locator("img[src=x], iframe, svg[onload]").count() == 0
    w.assert_nothing_ran()


def test_hostile_texts_show_literally_on_the_customer_thread_page_live_and_nothing_runs(
    browser: Any, contexts: list[BrowserContext], unfiltered: LiveHub
) -> None:
    hub = unfiltered
    sent, reply, answer = texts(3)
    ticket = live_sos(hub.url, hub.seeded, sent, state="new")
    w = watched_page(browser, contexts)
    page = w.page
    page.goto(ticket["thread_url"] + "?lang=en")
    wait_for_texts(page, "#conversation .text", [sent])
    staff_post(hub, f"/api/v1/tickets/{ticket['id']}/replies", {"text": reply})
    wait_for_texts(page, "#conversation .text", [sent, reply])  # arrives over socket.io
    page.locator("#answer-form textarea").fill(answer)
    page.locator("#answer-form button[type=submit]").click()
    wait_for_texts(page, "#conversation .text", [sent, reply, answer])
    page.reload()  # and the server-rendered page shows the same three, escaped
    wait_for_texts(page, "#conversation .text", [sent, reply, answer])
    assert page.locator("#conversation img, #conversation iframe, #conversation svg").count() == 0
    w.assert_nothing_ran()


def test_a_hostile_text_and_name_sent_through_the_form_page_come_back_as_text(
    browser: Any, contexts: list[BrowserContext], unfiltered: LiveHub
) -> None:
    hub = unfiltered
    (text,) = texts(1)
    w = watched_page(browser, contexts)
    page = w.page
    page.goto(f"{hub.url}/q/{hub.seeded.point['code']}?lang=en")
    page.locator("#text").fill(text)
    page.locator("#contact-more summary").click()  # the optional contact details, folded
    page.locator("#name").fill('<img src=x onerror="window.__xss=1">')
    page.locator("#sos-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/t/[^/?]+"))
    wait_for_texts(page, "#conversation .text", [text])
    w.assert_nothing_ran()


def test_the_traps_catch_markup_that_does_get_parsed_and_the_csp_blocks_it(
    browser: Any, contexts: list[BrowserContext], unfiltered: LiveHub
) -> None:
    """The check above could not pass by accident: injected markup is caught and blocked."""
    hub = unfiltered
    ticket = live_sos(hub.url, hub.seeded, "An ordinary message", state="new")
    w = watched_page(browser, contexts)
    page = w.page
    page.goto(ticket["thread_url"] + "?lang=en")
    page.evaluate(
        """document.body.insertAdjacentHTML(
             "beforeend", '<img src="/x" onerror="window.__xss=1">')"""
    )
    page.wait_for_function("() => window.__csp.length > 0", timeout=WAIT_MS)
    assert page.evaluate("typeof window.__xss") == "undefined"  # the policy stopped it
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    page.evaluate("alert('caught')")  # returns once the handler has dismissed it
    assert w.dialogs == ["alert: caught"]
    with pytest.raises(AssertionError):
        w.assert_nothing_ran()
