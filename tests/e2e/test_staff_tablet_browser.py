"""Staff pages on a tablet, as a receptionist or a manager holds one, in a real browser.

The staff menu fits one or two rows at 820 and 1024 px in the languages with the longest words,
and every page stays one tap (or a few keys) away, each stop visibly focused.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import STAFF_MENU_PAGES, LiveHub, send_login, staff_page
from tests.kit import fresh_device, live_sos

pytestmark = pytest.mark.browser

EVERY_PAGE = set(STAFF_MENU_PAGES)

# How many rows the menu's visible items sit on (a row: tops within 20 px of its first).
_ROWS = """() => {
  const tops = [...document.querySelectorAll(
    '.staff-nav a, .staff-nav summary, .staff-nav button')]
    .filter((e) => e.checkVisibility() && e.getBoundingClientRect().width > 0)
    .map((e) => e.getBoundingClientRect().top).sort((a, b) => a - b);
  let rows = 0, first = -Infinity;
  for (const top of tops) if (top > first + 20) { rows += 1; first = top; }
  return rows;
}"""

# WCAG contrast ratio of the focused element's outline against the header behind it.
_FOCUS_CONTRAST = """() => {
  const lum = (css) => {
    const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const el = document.activeElement;
  const style = getComputedStyle(el);
  if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) === 0) return 0;
  const bar = getComputedStyle(document.querySelector(".staff-header")).backgroundColor;
  const [a, b] = [lum(style.outlineColor), lum(bar)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


def _tab_through_the_menu(page: Page) -> list[str]:
    """Tab from the top of the page through the menu, opening what a keyboard user would open
    (Enter on a closed disclosure); the pages reached, in order. Every stop shows where it is."""
    page.locator("body").focus()
    reached: list[str] = []
    entered = False
    for _ in range(60):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => { const e = document.activeElement;
              return { inNav: !!e.closest('.staff-nav'), tag: e.tagName,
                       href: e.getAttribute('href'),
                       closed: e.tagName === 'SUMMARY' && !e.parentElement.open }; }"""
        )
        if not where["inNav"]:
            if entered:
                break
            continue
        entered = True
        assert page.evaluate(_FOCUS_CONTRAST) >= 3, where
        focused = page.locator(":focus")
        expect(focused).to_be_in_viewport()
        if where["closed"]:
            page.keyboard.press("Enter")
        if where["href"]:
            reached.append(where["href"])
    return reached


@pytest.mark.parametrize("lang", ["es", "gl", "ca", "en"])
def test_on_a_tablet_the_staff_menu_takes_at_most_two_rows_and_every_page_stays_reachable(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    # iPad portrait and landscape, a 1024 px tablet both ways
    sizes = [(820, 1180), (1180, 820), (1024, 1366), (1024, 768)]
    context, page, problems = staff_page(
        browser, live_hub, lang, "/admin/filters", 820, 1180, "admin"
    )
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        for path in ("/admin/filters", "/admin/stats", "/held-back"):
            page.goto(f"{live_hub.url}{path}")
            rows = page.evaluate(_ROWS)
            assert rows <= 2, (width, path, rows)
            # the work starts near the top, not under a wall of links
            heading = page.get_by_role("heading", level=1)
            assert heading.bounding_box()["y"] < 150, (width, path)  # type: ignore[index]
    # every page is reachable by keyboard, the console first, each stop visibly focused
    reached = _tab_through_the_menu(page)
    assert set(reached) == EVERY_PAGE
    assert reached[0] == "/console"
    # a tap on a folded page goes there
    page.goto(f"{live_hub.url}/held-back")
    folded = page.locator('.staff-nav a[href="/admin/points"]')
    if not folded.is_visible():
        page.locator(".staff-nav summary").click()
    folded.click()
    page.wait_for_url("**/admin/points")
    assert problems == []
    context.close()


@pytest.mark.parametrize(("lang", "more"), [("es", "Más"), ("en", "More")])
def test_the_folded_menu_opens_by_keyboard_closes_on_escape_and_shows_the_page_is_in_it(
    browser: Any, live_hub: LiveHub, lang: str, more: str
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, lang, "/admin/rules", 820, 1180, "manager"
    )
    here = page.locator('.staff-nav a[aria-current="page"]')
    expect(here).to_have_attribute("href", "/admin/rules")
    opener = page.locator(".staff-nav summary", has_text=more)
    expect(opener).to_be_visible()
    # the closed menu says the page shown is in it (marked like the current page)
    assert opener.evaluate("e => getComputedStyle(e).borderBottomWidth") != "0px"
    expect(here).to_be_hidden()
    opener.focus()
    page.keyboard.press("Enter")
    expect(here).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator(".staff-nav a:focus")).to_be_visible()
    page.keyboard.press("Escape")
    expect(here).to_be_hidden()
    expect(opener).to_be_focused()
    # a click elsewhere closes it too
    page.keyboard.press("Enter")
    expect(here).to_be_visible()
    page.get_by_role("heading", level=1).click()
    expect(here).to_be_hidden()
    # a screen reader hears that the page shown is in it
    names = {
        "es": "Más (página actual: Reglas de aviso)",
        "en": "More (current page: Routing rules)",
    }
    assert opener.evaluate("e => e.textContent") == names[lang]
    # tabbing past its last page closes it: left open, it covered where the focus went
    opener.focus()
    page.keyboard.press("Enter")
    page.locator(".nav-more-list a").last.focus()
    page.keyboard.press("Tab")
    expect(here).to_be_hidden()
    expect(page.locator(".staff-nav .nav-more")).not_to_have_attribute("open", "")
    assert problems == []
    context.close()


# Controls on a line of their own narrower or shorter than a 44 px touch target; inline links in
# running text are exempt (WCAG 2.5.8), as are the controls the page hides.
_SMALL_TARGETS = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.checkVisibility())
  .map((e) => [e.textContent.trim(), e.getBoundingClientRect()])
  .filter(([, box]) => box.height < 44 || box.width < 24)
  .map(([text, box]) => `${text} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def test_on_a_tablet_a_delivery_reads_without_scrolling_sideways_and_its_links_take_a_finger(
    browser: Any, live_hub: LiveHub
) -> None:
    rule = {
        "name": f"Everything {uuid.uuid4().hex[:6]}",
        "recipients": [
            {
                "channel": "email",
                "to": "jefa@hotel-mar-azul.example",
                "name": "Pilar",
                "language": "gl",
            }
        ],
    }
    manager = live_hub.seeded.auth("manager")
    r = httpx.post(f"{live_hub.url}/api/v1/rules", json=rule, headers=manager, timeout=10)
    assert r.status_code == 201, r.text
    live_sos(live_hub.url, live_hub.seeded, device=fresh_device())
    context, page, problems = staff_page(
        browser, live_hub, "gl", "/admin/deliveries", 820, 1180, "manager"
    )
    # the rule's alert is written in the background: the page is read once it is there
    deadline = time.monotonic() + 15
    while not httpx.get(f"{live_hub.url}/api/v1/deliveries", headers=manager).json()["items"]:
        assert time.monotonic() < deadline, "no delivery was written"
        time.sleep(0.1)
    page.reload()
    table = page.locator("#deliveries")
    expect(table.locator("tbody tr").first).to_be_visible()
    # the whole delivery is in sight: nothing to scroll sideways, the reason on wide lines
    assert table.evaluate("t => t.getBoundingClientRect().right") <= 820
    reason = table.locator("td.reason").first
    assert reason.evaluate("c => c.getBoundingClientRect().width") > 400
    assert page.evaluate(_SMALL_TARGETS, "#deliveries a") == []
    # on a phone too, and on a tablet held sideways (the table), an address is read whole,
    # not cut at its hyphen
    for width, height in ((390, 844), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(_WORDS_SPLIT, "#deliveries td.to code") == [], width
    assert problems == []
    context.close()


@pytest.mark.parametrize(
    ("lang", "english", "spanish"), [("es", "inglés", "español"), ("en", "English", "Spanish")]
)
def test_on_a_tablet_the_survey_and_answers_pages_name_languages_as_staff_read_them(
    browser: Any, live_hub: LiveHub, lang: str, english: str, spanish: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    body = {"title": f"Towels {tag}", "category": None, "language": "en", "text": "Towels."}
    manager = live_hub.seeded.auth("manager")
    r = httpx.post(f"{live_hub.url}/api/v1/answers", json=body, headers=manager, timeout=10)
    assert r.status_code == 201, r.text
    context, page, problems = staff_page(
        browser, live_hub, lang, "/admin/answers", 820, 1180, "manager"
    )
    listed = page.locator("#answer-list li", has_text=f"Towels {tag}")
    expect(listed).to_contain_text(english)
    expect(listed).not_to_contain_text(re.compile(r"\bEN\b"))
    page.goto(f"{live_hub.url}/admin/survey")
    # the business's main language (Spanish) in the reader's words, inside a sentence too
    question = "Pregunta" if lang == "es" else "Question"
    expect(page.get_by_label(f"{question} ({spanish})").first).to_be_visible()
    expect(page.locator(".help", has_text=f" {spanish},").first).to_be_visible()
    # the link to the answers takes a finger, and the one back from them too
    assert page.evaluate(_SMALL_TARGETS, "#main a[href^='/admin/survey']") == []
    page.goto(f"{live_hub.url}/admin/survey/results")
    assert page.evaluate(_SMALL_TARGETS, "#main a[href^='/admin/survey']") == []
    assert problems == []
    context.close()


def test_on_a_tablet_an_access_points_address_breaks_before_its_name_not_inside_it(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "es", "/admin/points", 820, 1180, "manager"
    )
    links = page.locator("a.point-url")
    expect(links.first).to_be_visible()
    # the point's own name (after the last "/") lies on one line, however the address wraps
    split = page.evaluate(
        """() => [...document.querySelectorAll('a.point-url')].filter((a) => {
          const range = document.createRange();
          const last = a.lastChild;
          range.setStart(last, 0);
          range.setEnd(last, last.textContent.length);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
        }).map((a) => a.textContent)"""
    )
    assert split == []
    assert problems == []
    context.close()


def test_on_a_tablet_a_cards_overdue_promise_reads_whole_in_spanish(
    browser: Any, live_hub: LiveHub
) -> None:
    context = browser.new_context(
        locale="es",
        extra_http_headers={"Accept-Language": "es"},
        viewport={"width": 820, "height": 1180},
        has_touch=True,
    )
    page = context.new_page()
    page.clock.install()  # the page's own clock, moved on below
    page.goto(f"{live_hub.url}/login")
    send_login(page, live_hub.agent_email, live_hub.password)
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    text = f"Nadie en el mostrador de toallas de la piscina {uuid.uuid4().hex[:6]}"
    live_sos(live_hub.url, live_hub.seeded, text, device=fresh_device())
    card = page.locator("#board .ticket").filter(has_text=text)
    expect(card.locator(".timer-onsite")).to_be_visible()
    page.clock.fast_forward("25:00")  # nobody went: the on-site promise is 10 min overdue
    timer = card.locator(".timer-onsite")
    expect(timer).to_have_text(re.compile(r"10 min de retraso$"))
    # every word of it in sight inside its chip, nothing cut off with "…"
    assert timer.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    assert timer.evaluate("t => getComputedStyle(t).textOverflow") != "ellipsis"
    context.close()


# Text nodes of `selector` broken inside a word: a word whose letters lie on two lines.
_WORDS_SPLIT = """(selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility()) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def test_on_a_phone_choices_and_places_keep_their_codes_whole_and_their_boxes_full_size(
    browser: Any, live_hub: LiveHub
) -> None:
    code = f"mostrador-de-recepcion-{uuid.uuid4().hex[:4]}"
    manager = live_hub.seeded.auth("manager")
    body = {"code": code, "label": "Mostrador de recepción principal", "kind": "poster"}
    r = httpx.post(f"{live_hub.url}/api/v1/points", json=body, headers=manager, timeout=10)
    assert r.status_code == 201, r.text
    department = {"slug": f"bar-de-la-piscina-{code[-4:]}", "name": "Bar de la piscina grande"}
    r = httpx.post(f"{live_hub.url}/api/v1/departments", json=department, headers=manager)
    assert r.status_code == 201, r.text
    context, page, problems = staff_page(
        browser, live_hub, "es", "/admin/rules", 390, 844, "manager"
    )
    choices = page.locator("#main .choices label:has(input[name='points'])")
    expect(choices.first).to_be_visible()
    assert page.evaluate(_WORDS_SPLIT, "#main .choices label code") == []
    sizes = choices.locator("input").evaluate_all(
        "boxes => boxes.map((b) => Math.round(b.getBoundingClientRect().width))"
    )
    assert len(set(sizes)) == 1, sizes  # no box shrunk beside a long name
    page.goto(f"{live_hub.url}/admin/settings")
    expect(page.locator(".place-list summary code").first).to_be_visible()
    assert page.evaluate(_WORDS_SPLIT, ".place-list summary code") == []
    assert problems == []
    context.close()


@pytest.mark.parametrize(
    ("lang", "day"),
    [
        ("es", r"^\d{1,2} \w+"),
        ("en", r"^\d{1,2} \w+|^\w+ \d"),
        # Galician months, though Debian's Chromium has no Galician dates ("6 nov" before)
        ("gl", r"^\d{1,2} de (xan|feb|mar|abr|maio|xuñ|xul|ago|set|out|nov|dec)\.$"),
    ],
)
def test_statistics_on_a_tablet_and_a_phone_read_numbers_with_their_units_and_days_by_name(
    browser: Any, live_hub: LiveHub, lang: str, day: str
) -> None:
    live_sos(live_hub.url, live_hub.seeded, device=fresh_device())
    context, page, problems = staff_page(
        browser, live_hub, lang, "/admin/stats", 820, 1180, "manager"
    )
    page.wait_for_function(
        "() => document.getElementById('charts')?.classList.contains('charts-on')"
    )
    # the daily chart's axis names days ("6 nov"), not thirty slanted ISO dates
    ticks = page.evaluate(
        """() => Chart.getChart(document.querySelector('#chart-volume canvas'))
              .scales.x.ticks.map((t) => t.label)"""
    )
    assert ticks and all(re.match(day, str(label)) for label in ticks), ticks
    assert not any(re.match(r"^\d{4}-\d{2}-\d{2}$", str(label)) for label in ticks)
    # on a phone "48 h" stays together in the figures' titles
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert (
        page.evaluate(
            """() => [...document.querySelectorAll('.stat-cards dt')].filter((dt) => {
          const node = [...dt.childNodes].find(
            (n) => n.nodeType === 3 && /\\d\\s+h\\b/.test(n.textContent));
          if (!node) return false;
          const at = node.textContent.search(/\\d\\s+h\\b/);
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, node.textContent.indexOf("h", at) + 1);
          return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
        }).map((dt) => dt.textContent)"""
        )
        == []
    )
    assert problems == []
    context.close()


# Pairs of the console's filter words and boxes lying over each other (a label over its
# neighbour's box), and the filter bar's height.
_FILTERS_OVERLAP = """() => {
  const els = [...document.querySelectorAll(
    '.filters label, .filters select, .filters input, .filters button, .filters .summary')]
    .filter((e) => e.checkVisibility());
  const over = [];
  for (const [i, a] of els.entries()) {
    for (const b of els.slice(i + 1)) {
      const r = a.getBoundingClientRect(), s = b.getBoundingClientRect();
      if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1
          && s.top < r.bottom - 1) {
        over.push(`${a.id || a.textContent.trim()} / ${b.id || b.textContent.trim()}`);
      }
    }
  }
  return over;
}"""


@pytest.mark.parametrize("lang", ["ca", "es", "gl"])
def test_on_a_tablet_the_consoles_filters_never_lie_over_each_other(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    context, page, problems = staff_page(browser, live_hub, lang, "/console", 1024, 768, "manager")
    expect(page.locator("#main")).to_have_attribute("data-connection", "live")
    for width, height in ((1024, 768), (1180, 820), (820, 1180), (1366, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(_FILTERS_OVERLAP) == [], width
        for box in ("#f-status", "#f-point", "#f-department"):
            assert page.locator(box).evaluate("b => b.getBoundingClientRect().width") >= 90
    assert problems == []
    context.close()


@pytest.mark.parametrize(("lang", "more"), [("es", "Más"), ("gl", "Máis")])
def test_on_a_tablet_the_consoles_more_list_closes_on_escape_and_on_a_tap_elsewhere(
    browser: Any, live_hub: LiveHub, lang: str, more: str
) -> None:
    text = f"Falta una toalla en la piscina {uuid.uuid4().hex[:6]}"
    live_sos(live_hub.url, live_hub.seeded, text, device=fresh_device())
    context, page, problems = staff_page(browser, live_hub, lang, "/console", 1180, 820, "manager")
    page.locator("#board .ticket").filter(has_text=text).get_by_role("button").first.click()
    panel = page.locator("#ticket-panel")
    expect(panel).to_be_visible()
    opener = page.locator(".staff-nav summary", has_text=more)
    stats = page.locator('.staff-nav a[href="/admin/stats"]')
    opener.focus()
    page.keyboard.press("Enter")
    expect(stats).to_be_visible()
    page.keyboard.press("Escape")
    expect(stats).to_be_hidden()
    expect(opener).to_be_focused()
    expect(panel).to_be_visible()  # that Escape was the list's, not the open ticket's
    opener.click()
    expect(stats).to_be_visible()
    page.locator("#board").click(position={"x": 5, "y": 5})
    expect(stats).to_be_hidden()
    assert problems == []
    context.close()


def test_a_page_under_a_folded_one_marks_it_in_the_menu(browser: Any, live_hub: LiveHub) -> None:
    """The survey's results sit under the survey: "More" and "Survey" are marked there too."""
    context, page, problems = staff_page(
        browser, live_hub, "es", "/admin/survey/results", 820, 1180, "manager"
    )
    opener = page.locator(".staff-nav summary", has_text="Más")
    assert opener.evaluate("e => e.textContent") == "Más (página actual: Encuesta)"
    expect(page.locator(".staff-nav .nav-more")).to_have_attribute("data-current", "")
    expect(page.locator('.staff-nav a[href="/admin/survey"]')).to_have_attribute(
        "aria-current", "true"
    )
    assert problems == []
    context.close()


@pytest.mark.parametrize("lang", ["es", "gl"])
def test_on_a_phone_without_javascript_more_opens_its_pages_inside_the_screen(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    """Without JavaScript the menu does not fold: "More" opens its list in the bar, every page
    in it on the screen (it opened over the page and ran off its right edge)."""
    context = browser.new_context(
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        viewport={"width": 390, "height": 844},
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"{live_hub.url}/login?next=/admin/stats")
    send_login(page, str(live_hub.seeded.users["admin"]["email"]), live_hub.password)
    page.wait_for_url("**/admin/stats")
    page.locator(".staff-nav .nav-more summary").click()
    links = page.locator(".staff-nav .nav-more-list a")
    expect(links.first).to_be_visible()
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert len(boxes) >= 10
    off = [
        links.nth(i).text_content()
        for i, box in enumerate(boxes)
        if box is None or box["x"] < 0 or box["x"] + box["width"] > 390
    ]
    assert off == []
    assert all(box is not None and box["height"] >= 44 for box in boxes)  # a finger's tap
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    assert page.evaluate(_WORDS_SPLIT, ".staff-header .business") == []
    context.close()
