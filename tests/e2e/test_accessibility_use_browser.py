"""Using the pages without sight, with a finger, zoomed in, without motion, in Arabic and
Hebrew (issue 14, item 4): what axe cannot see, measured in a real browser.

Screen-reader announcements are read from the polite live regions over a real socket;
targets, zoom and motion from the laid-out page (bounding boxes, scroll widths, computed
styles); right-to-left from the computed direction, with screenshots under /tmp/shots/a11y/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import LiveHub, log_in
from tests.e2e.test_live_loop_browser import _card
from tests.kit import live_sos

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/a11y")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1440, "height": 900}
ZOOMED = {"width": 640, "height": 400}  # 1280x800 at 200 %

# Interactive elements smaller than 44x44 CSS px (WCAG 2.5.5), one line each. Links inside
# a sentence are excepted (as WCAG allows); a checkbox or radio counts with its label.
SMALL_TARGETS = """(minimum) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], [tabindex]:not([tabindex="-1"])';
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.parentElement.closest("p, li, td, dd, small, label, div");
    return Boolean(block)
      && block.textContent.trim().length > el.textContent.trim().length + 3;
  };
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], .visually-hidden")) continue;
    let box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || inSentence(el)) continue;
    if (el.type === "checkbox" || el.type === "radio") {
      const label = el.closest("label")
        || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) {
        const l = label.getBoundingClientRect();
        box = { width: Math.max(box.width, l.width), height: Math.max(box.height, l.height) };
      }
    }
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "")
        .trim().slice(0, 30);
      small.push(`${el.tagName.toLowerCase()}#${el.id} "${name}" `
        + `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""

# The longest animation or transition any element runs, in seconds.
LONGEST_MOTION = """() => {
  const seconds = (value) => Math.max(...value.split(",").map((v) =>
    v.trim().endsWith("ms") ? parseFloat(v) / 1000 : parseFloat(v)));
  let longest = 0, what = "";
  for (const el of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const style = getComputedStyle(el, pseudo);
      const animated = style.animationName !== "none" ? seconds(style.animationDuration) : 0;
      const moving = style.transitionProperty !== "none" ? seconds(style.transitionDuration) : 0;
      const most = Math.max(animated, moving);
      if (most > longest) { longest = most; what = `${el.tagName} ${el.className}`; }
    }
  }
  return [longest, what];
}"""


# Keeps every text the console's announcer is given, to tell what was said and what not.
HEARD_LOG = """() => {
  window.heardLog = [];
  const el = document.getElementById("announcer");
  new MutationObserver(() => el.textContent && window.heardLog.push(el.textContent))
    .observe(el, { childList: true, characterData: true, subtree: true });
}"""


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def _context(browser: Any, opened: list[BrowserContext], **options: Any) -> BrowserContext:
    context: BrowserContext = browser.new_context(locale="en-GB", **options)
    opened.append(context)
    return context


def _staff(browser: Any, opened: list[BrowserContext], hub: LiveHub, **options: Any) -> Page:
    """An agent's live console (the agent's role lands there)."""
    page = _context(browser, opened, **{"viewport": LAPTOP, **options}).new_page()
    log_in(page, hub)
    expect(page).to_have_url(f"{hub.url}/console")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    return page


def _api(hub: LiveHub, method: str, path: str, role: str = "manager", **kw: Any) -> Any:
    r = httpx.request(method, f"{hub.url}{path}", headers=hub.seeded.auth(role), timeout=10, **kw)
    assert r.status_code < 300, r.text
    return r.json()


def _sos(hub: LiveHub, text: str) -> dict[str, Any]:
    return live_sos(hub.url, hub.seeded, text, device=None)


def test_screen_readers_hear_new_sos_customer_messages_and_staff_replies(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    console = _staff(browser, contexts, live_hub)
    heard = console.locator("#announcer")
    expect(heard).to_have_attribute("aria-live", "polite")
    tag = uuid.uuid4().hex[:6]
    sent = _sos(live_hub, f"Our table needs the bill {tag}")
    expect(heard).to_have_text(re.compile(rf"^New SOS #{sent['number']} at Bar terrace: .*{tag}"))

    phone = _context(browser, contexts, viewport=PHONE).new_page()
    phone.goto(f"{live_hub.url}/t/{sent['token']}")
    expect(phone.locator("main")).to_have_attribute("data-connection", "live")
    told = phone.locator("#announcer")
    expect(told).to_have_attribute("aria-live", "polite")
    expect(told).to_have_text("")  # the conversation so far is not read out on load
    _api(
        live_hub, "POST", f"/api/v1/tickets/{sent['id']}/replies", "agent", json={"text": "Coming"}
    )
    expect(told).to_have_text("New reply from Agent mirador: Coming")

    r = httpx.post(
        f"{live_hub.url}/api/v1/thread/{sent['token']}/messages",
        json={"text": "Thanks!"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    expect(heard).to_have_text(f"New customer message on #{sent['number']}")

    # With the ticket open, its message list (a live region) reads the new message: the
    # announcer stays quiet about it, so it is not said twice. Another ticket's still is.
    console.goto(f"{live_hub.url}/console?ticket={sent['id']}")
    expect(console.locator("#ticket-panel")).to_be_visible()
    expect(console.locator("#main")).to_have_attribute("data-connection", "live")
    console.evaluate(HEARD_LOG)
    expect(console.locator("#messages")).to_have_attribute("aria-live", "polite")
    other = _sos(live_hub, f"A towel at the pool {tag}")
    for token, text in ((sent["token"], "One more thing"), (other["token"], "Still waiting")):
        r = httpx.post(
            f"{live_hub.url}/api/v1/thread/{token}/messages", json={"text": text}, timeout=10
        )
        assert r.status_code == 201, r.text
    expect(console.locator("#messages")).to_contain_text("One more thing")
    expect(heard).to_have_text(f"New customer message on #{other['number']}")
    said = console.evaluate("() => window.heardLog")
    assert f"New customer message on #{sent['number']}" not in said, said


def _small_targets(page: Page, path: str, minimum: int = 44) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return list(page.evaluate(SMALL_TARGETS, minimum))


def test_targets_are_44_px_and_the_kiosk_buttons_80(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    sent = _sos(live_hub, "A high chair for table 4, please")
    _api(live_hub, "POST", f"/api/v1/tickets/{sent['id']}/replies", json={"text": "Sure"})
    small: dict[str, list[str]] = {}
    for viewport in (PHONE, LAPTOP):
        guest = _context(browser, contexts, viewport=viewport).new_page()
        for path in (f"/q/{live_hub.seeded.point['code']}", f"/t/{sent['token']}", "/login"):
            small[f"{path} {viewport['width']}"] = _small_targets(guest, live_hub.url + path)
        staff = _context(browser, contexts, viewport=viewport).new_page()
        log_in(staff, live_hub, "admin")
        expect(staff).not_to_have_url(re.compile(r"/login"))
        for path in (
            f"/console?ticket={sent['id']}",
            "/held-back",
            "/account",
            "/admin/points",
            "/admin/settings",
            "/admin/rules",
            "/admin/kiosks",
            "/admin/triage",
            "/admin/users",
        ):
            small[f"{path} {viewport['width']}"] = _small_targets(staff, live_hub.url + path)
    assert {where: found for where, found in small.items() if found} == {}

    kiosk = _api(
        live_hub,
        "POST",
        "/api/v1/kiosks",
        json={"name": "Lobby", "point": live_hub.seeded.point["code"]},
    )
    screen = _context(browser, contexts, viewport={"width": 1280, "height": 800}).new_page()
    screen.goto(kiosk["pair_url"])
    send = screen.locator("#kiosk-send")
    expect(send).to_be_visible()
    box = send.bounding_box()
    assert box is not None and box["height"] >= 80 and box["y"] + box["height"] <= 800
    assert screen.evaluate(SMALL_TARGETS, 44) == []


def _fits_without_sideways_scrolling(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => document.scrollingElement.scrollWidth
                <= document.scrollingElement.clientWidth + 1"""
        )
    )


def test_pages_work_at_200_percent_zoom(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    sent = _sos(live_hub, "Could we get some ice for the drinks")
    guest = _context(browser, contexts, viewport=ZOOMED).new_page()
    guest.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    assert _fits_without_sideways_scrolling(guest)
    send = guest.get_by_role("button", name="Send", exact=True)
    send.scroll_into_view_if_needed()
    expect(send).to_be_in_viewport()
    guest.screenshot(path=str(SHOTS / "zoom200-customer-form.png"))
    guest.goto(f"{live_hub.url}/t/{sent['token']}")
    assert _fits_without_sideways_scrolling(guest)
    send = guest.get_by_role("button", name="Send", exact=True)
    send.scroll_into_view_if_needed()
    expect(send).to_be_in_viewport()

    staff = _staff(browser, contexts, live_hub, viewport=ZOOMED)
    staff.goto(f"{live_hub.url}/console?ticket={sent['id']}")
    panel = staff.locator("#ticket-panel")
    expect(panel).to_be_visible()
    assert _fits_without_sideways_scrolling(staff)
    reply = panel.get_by_role("button", name="Send reply")
    reply.scroll_into_view_if_needed()
    expect(reply).to_be_in_viewport()
    staff.screenshot(path=str(SHOTS / "zoom200-console-panel.png"))
    staff.goto(f"{live_hub.url}/held-back")
    expect(staff.locator("main")).to_be_visible()
    assert _fits_without_sideways_scrolling(staff)

    manager = _context(browser, contexts, viewport=ZOOMED).new_page()
    log_in(manager, live_hub, "manager", "/login?next=/admin/rules")
    manager.wait_for_url("**/admin/rules")
    expect(manager.locator("#rule-form")).to_be_visible()
    assert _fits_without_sideways_scrolling(manager)
    save = manager.locator("#rule-form button[type=submit]").first
    save.scroll_into_view_if_needed()
    expect(save).to_be_in_viewport()
    manager.screenshot(path=str(SHOTS / "zoom200-admin-rules.png"), full_page=True)


def test_reduced_motion_stops_animations_and_transitions(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    tag = uuid.uuid4().hex[:6]
    moving = _staff(browser, contexts, live_hub)
    still = _staff(browser, contexts, live_hub, reduced_motion="reduce")
    _sos(live_hub, f"Music is too loud {tag}")
    for page in (moving, still):
        expect(_card(page, tag)).to_have_class(re.compile(r"\bunread\b"))  # its dot pulses
    longest, what = moving.evaluate(LONGEST_MOTION)
    assert longest > 0.1, "the check must see the motion a default browser shows"
    longest, what = still.evaluate(LONGEST_MOTION)
    assert longest <= 0.01, what
    guest = _context(browser, contexts, viewport=PHONE, reduced_motion="reduce").new_page()
    for path in (f"/q/{live_hub.seeded.point['code']}", "/login"):
        guest.goto(live_hub.url + path)
        longest, what = guest.evaluate(LONGEST_MOTION)
        assert longest <= 0.01, (path, what)


ARABIC = "الماء لا يعمل في الحمام، من فضلك ساعدني"
HEBREW = "המזגן בחדר לא עובד, אפשר עזרה בבקשה"


def test_arabic_and_hebrew_read_right_to_left_on_the_console_and_the_thread(
    browser: Any, contexts: list[BrowserContext], live_hub: LiveHub
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    console = _staff(browser, contexts, live_hub)
    for name, text in (("arabic", ARABIC), ("hebrew", HEBREW)):
        sent = _sos(live_hub, text)
        card = _card(console, text)
        expect(card).to_have_count(1)
        direction = "el => getComputedStyle(el).direction"
        assert card.locator(".card-text").evaluate(direction) == "rtl"
        card.get_by_role("button").click()
        shown = console.locator("#ticket-panel [data-f='text']")
        expect(shown).to_have_text(text)
        assert shown.evaluate(direction) == "rtl"
        console.screenshot(path=str(SHOTS / f"rtl-{name}-console.png"))
        phone = _context(browser, contexts, viewport=PHONE).new_page()
        phone.goto(f"{live_hub.url}/t/{sent['token']}")
        own = phone.locator("#conversation .msg .text").first
        expect(own).to_have_text(text)
        assert own.evaluate(direction) == "rtl"
        assert phone.locator("h1").evaluate(direction) == "ltr"  # the page stays English
        phone.screenshot(path=str(SHOTS / f"rtl-{name}-thread.png"))
