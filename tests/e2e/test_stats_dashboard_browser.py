"""The manager's dashboard in a real browser: last month's complaints by point, charts drawn
from their tables, targets met or missed, and two periods compared.

The hub is seeded with last month's tickets (in the business's zone, Europe/Madrid): the
bar has three complaints answered in 20, 40 and 60 minutes, the terrace one complaint and
two praises; the month before holds a single SOS.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from hub.ports import Store
from tests.e2e.conftest import LiveHub
from tests.e2e.test_admin_pages_browser import _manager
from tests.e2e.test_faults_browser import _axe_serious
from tests.helpers import Seeded
from tests.kit import Serve

pytestmark = pytest.mark.browser

ZONE = ZoneInfo("Europe/Madrid")
TERRACE = {"code": "mirador-terrace", "label": "Terrace"}
SHOTS = Path(os.environ.get("HUB_SHOTS_DIR", "/tmp/shots/dash"))


def _last_month() -> date:
    """The first day of last month in the business's zone."""
    first = datetime.now(ZONE).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _at(day: date, hour: int, minutes: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minutes), ZONE).astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


# (day of last month, point, category, minutes to the first answer, survey)
TICKETS: list[tuple[int, dict[str, str] | None, str, int, dict[str, Any] | None]] = [
    (3, None, "complaint_service", 20, {"rating": "bad", "nps": 3}),
    (4, None, "complaint_service", 40, {"rating": "fair", "nps": 6}),
    (5, None, "complaint", 60, {"rating": "good", "nps": 9}),
    (10, TERRACE, "complaint_service", 10, None),
    (10, TERRACE, "praise", 5, {"rating": "very_good", "nps": 10}),
    (12, TERRACE, "praise", 5, {"rating": "very_good", "nps": 10}),
]


def _ticket(
    number: int, created: datetime, point: dict[str, str], category: str, answered: int
) -> dict[str, Any]:
    return {
        "id": f"dash-{number}",
        "number": number,
        "status": "resolved",
        "text": f"Seeded SOS {number}",
        "language": "en",
        "translations": {},
        "anonymous": True,
        "contact": None,
        "point": point,
        "department": None,
        "establishment": None,
        "source": "qr",
        "category": category,
        "assignee": None,
        "description": None,
        "thread_token": f"token-{number}-dash-seeded-tickets",
        "created_at": _iso(created),
        "updated_at": _iso(created),
        "acknowledged_at": _iso(created + timedelta(minutes=answered)),
        "first_response_at": _iso(created + timedelta(minutes=answered)),
        "resolved_at": _iso(created + timedelta(minutes=answered + 30)),
        "closed_at": None,
        "message_count": 1,
        "repeat_count": 0,
        "quarantine_reason": None,
    }


async def seed(store: Store, tenants: dict[str, Seeded]) -> None:
    """Last month's six tickets (the manager answered each first) and one the month before."""
    mirador = tenants["mirador"]
    tid = mirador.tenant["id"]
    bar = {"code": mirador.point["code"], "label": mirador.point["label"]}
    manager = mirador.users["manager"]
    first = _last_month()
    for number, (day, point, category, answered, survey) in enumerate(TICKETS, start=900):
        created = _at(first.replace(day=day), 10)
        doc = _ticket(number, created, point or bar, category, answered)
        if survey:
            doc["survey"] = survey
        # as Ticket.reply keeps it: who sent the first reply (statistics by agent)
        doc["first_responder"] = {"id": manager["id"], "name": manager["name"]}
        await store.insert(tid, "tickets", doc)
        reply_at = created + timedelta(minutes=answered)
        await store.insert(
            tid,
            "entries",
            {
                "id": f"dash-reply-{number}",
                "ticket_id": doc["id"],
                "kind": "message",
                "author": "staff",
                "author_id": manager["id"],
                "author_name": manager["name"],
                "text": "We are on it",
                "etiquette": ["greet", "answer"],
                "created_at": _iso(reply_at),
            },
        )
    before = (first - timedelta(days=1)).replace(day=15)
    await store.insert(tid, "tickets", _ticket(950, _at(before, 12), bar, "question", 15))


SERVED = Serve(slugs=("mirador",), seed=seed)


def _row(page: Page, table: str, key: str) -> Any:
    return page.locator(f'#{table} tr[data-key="{key}"]')


def test_last_month_answers_which_point_complained_most_and_targets_and_comparison(
    browser: Any, live_hub: LiveHub
) -> None:
    bar = str(live_hub.seeded.point["code"])
    first = _last_month()
    context, page, problems = _manager(browser, live_hub, "en", "/admin/stats")
    page.get_by_role("link", name="Last month").click()
    page.wait_for_url("**from=*")
    expect(page.get_by_label("From", exact=True)).to_have_value(first.isoformat())
    assert f"from={first.isoformat()}" in page.url
    expect(page.get_by_role("link", name="Last month")).to_have_attribute("aria-current", "true")

    # Charts drawn, each from its table with the seeded figures.
    expect(page.locator("#charts")).to_have_class("admin-section charts charts-on")
    expect(page.locator("#chart-volume canvas")).to_have_count(1)
    box = page.locator("#chart-volume canvas").bounding_box()
    assert box is not None and box["height"] > 100
    page.locator("#chart-volume summary").click()
    day10 = first.replace(day=10).isoformat()
    expect(_row(page, "chart-volume", day10).locator("td")).to_have_text("2")
    expect(_row(page, "chart-points", bar).locator("td")).to_have_text(["3", "3"])
    expect(_row(page, "chart-points", TERRACE["code"]).locator("td")).to_have_text(["3", "1"])
    # at 10:00 on the weekday of the 3rd and the 10th: one SOS, then two
    day10_cell = f"{first.replace(day=10).isoweekday()}-10"
    expect(page.locator(f'#heat-table td[data-cell="{day10_cell}"]')).to_have_text("3")

    # Which point complained most, how fast it was answered, what customers said after.
    top = page.locator("#complaints-table tbody tr").first
    expect(top).to_have_attribute("data-key", bar)
    expect(top.locator("td.complaints")).to_have_text("3")
    expect(top.locator("td.first")).to_have_text("40 min")
    expect(top.locator("td.ratings")).to_contain_text("Bad 1")

    # The agent who answered first, joined with the etiquette.
    agent = page.locator(
        f'#agents-table tr[data-agent-id="{live_hub.seeded.users["manager"]["id"]}"]'
    )
    expect(agent.locator("td.answered")).to_have_text("6")

    # Targets: NPS (2 detractors, 3 promoters of 5: 20) misses 50; 10 min median meets 60.
    page.get_by_text("Set the targets").click()
    page.get_by_label("NPS, at least (−100 to 100)").fill("50")
    page.get_by_label("First response, median, at most (minutes)").fill("60")
    page.get_by_role("button", name="Save the targets").click()
    expect(page.locator("#targets-status")).to_have_text("Targets saved.")
    nps = page.locator('#targets-table tr[data-target="nps"]')
    expect(nps.locator(".actual")).to_have_text("20")
    expect(nps.locator(".verdict")).to_have_text("✗ Missed")
    fast = page.locator('#targets-table tr[data-target="first_response_minutes"]')
    expect(fast.locator(".verdict")).to_have_text("✓ Met")
    # A wrong target is refused next to its box, in words.
    page.get_by_text("Set the targets").click()
    page.get_by_label("NPS, at least (−100 to 100)").fill("500")
    page.get_by_role("button", name="Save the targets").click()
    expect(page.locator("#targets-error")).to_have_text(
        "NPS: a whole number from −100 to 100, or empty."
    )
    expect(page.get_by_label("NPS, at least (−100 to 100)")).to_have_attribute(
        "aria-invalid", "true"
    )

    # Compared with the previous period of the same length: one SOS then.
    count = page.locator('#compare-table tr[data-figure="count"]')
    expect(count.locator("td")).to_have_text(["6", "1", "+5"])
    # ... or with dates the manager picks (the month before last: the same one SOS).
    page.get_by_label("Compare with").select_option("custom")
    before = (first - timedelta(days=1)).replace(day=1)
    page.get_by_label("Compare from").fill(before.isoformat())
    page.get_by_label("Compare to").fill((first - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show").click()
    # the dates as the page's language writes them (Oct 1, 2026), not ISO
    expect(page.locator("#compare-heading")).to_contain_text(
        f"{before:%b} {before.day}, {before.year}"
    )
    expect(page.locator("#compare-heading")).not_to_contain_text(before.isoformat())
    expect(count.locator("td")).to_have_text(["6", "1", "+5"])
    complaints = page.locator('#compare-table tr[data-figure="complaints"]')
    expect(complaints.locator("td")).to_have_text(["4", "0", "+4"])
    # the refused target's answer is the only failed request
    assert problems == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    context.close()


def test_a_reversed_comparison_is_explained_in_spanish_next_to_its_field(
    browser: Any, live_hub: LiveHub
) -> None:
    path = "/admin/stats?lang=es&compare=custom&compare_from=2026-11-10&compare_to=2026-11-01"
    context, page, problems = _manager(browser, live_hub, "es", "/admin/stats")
    page.goto(f"{live_hub.url}{path}")
    error = page.locator("#stats-error")
    expect(error).to_have_text("«Comparar desde» tiene que ir antes de «Comparar hasta».")
    expect(page.get_by_label("Comparar desde")).to_have_attribute("aria-invalid", "true")
    page.goto(f"{live_hub.url}/admin/stats?lang=es&by=nada")
    expect(error).to_have_text("Elige una agrupación de la lista.")
    # both pages answer 400 (what Chromium logs), and nothing else went wrong
    assert (
        problems
        == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"] * 2
    )
    context.close()


SIZES = {"phone": (390, 844), "tablet": (820, 1180), "desktop": (1440, 900)}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_screenshots_of_the_dashboard(browser: Any, live_hub: LiveHub, lang: str) -> None:
    """Pictures to look at (not compared): three widths in each language, dark mode once."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    first = _last_month()
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    path = f"/admin/stats?from={first.isoformat()}&to={last.isoformat()}"
    context, page, problems = _manager(browser, live_hub, lang, "/admin/stats")
    page.emulate_media(reduced_motion="reduce")  # drawn at once: no bar caught growing
    page.goto(f"{live_hub.url}{path}")
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        expect(page.locator("#charts.charts-on")).to_have_count(1)
        page.screenshot(path=str(SHOTS / f"stats-{lang}-{name}.png"), full_page=True)
    if lang == "en":
        page.emulate_media(color_scheme="dark", reduced_motion="reduce")
        page.reload()
        expect(page.locator("#charts.charts-on")).to_have_count(1)
        page.screenshot(path=str(SHOTS / "stats-en-desktop-dark.png"), full_page=True)
        for summary in page.locator(".chart-data summary").all():
            summary.click()  # the tables behind the charts too
        assert _axe_serious(page) == []
    assert problems == []
    context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_long_period_says_its_percentiles_are_binned(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    """Over 31 days the medians come from daily summaries: the page says so (and not for a
    month). Pictures of the note at three widths, and in dark mode, under stats365/."""
    shots = SHOTS.parent / "stats365"
    shots.mkdir(parents=True, exist_ok=True)
    first = _last_month()
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    context, page, problems = _manager(browser, live_hub, lang, "/admin/stats")
    page.emulate_media(reduced_motion="reduce")
    page.goto(f"{live_hub.url}/admin/stats?from={first.isoformat()}&to={last.isoformat()}")
    expect(page.locator("#stats-summary")).to_have_count(1)
    expect(page.locator("#stats-binned")).to_have_count(0)
    start = first - timedelta(days=90)
    page.goto(f"{live_hub.url}/admin/stats?from={start.isoformat()}&to={last.isoformat()}")
    note = page.locator("#stats-binned")
    expect(note).to_contain_text("31")
    expect(note).to_contain_text("1 %")
    expect(page.locator("#stat-total")).to_have_text("7")
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"binned-{lang}-{name}.png"))
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    page.reload()
    page.screenshot(path=str(shots / f"binned-{lang}-desktop-dark.png"))
    assert _axe_serious(page) == []
    assert problems == []
    context.close()


# Before the page's scripts: log every chart update (its mode, the chart's size then) as
# Chart.js's UMD build sets globalThis.Chart.
WATCH_CHARTS = """
(() => {
  window.__chartUpdates = [];
  let chart;
  Object.defineProperty(globalThis, "Chart", {
    configurable: true,
    get() { return chart; },
    set(value) {
      chart = value;
      const update = value.prototype.update;
      value.prototype.update = function (mode) {
        const figure = this.canvas.closest("figure");
        const at = [figure && figure.id, String(mode), this.width, this.height];
        window.__chartUpdates.push(at);
        return update.apply(this, arguments);
      };
    },
  });
})();
"""

# Each chart's state once drawn: its labels and values, and where its first series' bars or
# points are against where its scales put those values (equal once still).
CHART_STATE = """
() => Object.fromEntries(Object.values(Chart.instances).map((chart) => {
  const meta = chart.getDatasetMeta(0);
  const horizontal = chart.options.indexAxis === "y";
  const index = horizontal ? chart.scales.y : chart.scales.x;
  const value = horizontal ? chart.scales.x : chart.scales.y;
  const off = meta.data.map((bar, i) => {
    const v = chart.data.datasets[0].data[i];
    if (v === null) return 0;
    const [at, size] = horizontal ? [bar.y, bar.x] : [bar.x, bar.y];
    // along the index axis, within its label's band (grouped bars sit beside its middle)
    const band = (horizontal ? index.height : index.width) / chart.data.labels.length / 2;
    const along = Math.max(0, Math.abs(at - index.getPixelForValue(i)) - band);
    return Math.max(along, Math.abs(size - value.getPixelForValue(v)));
  });
  return [chart.canvas.closest("figure").id, {
    labels: chart.data.labels,
    values: chart.data.datasets.map((d) => d.data),
    off: Math.max(0, ...off),
    running: Chart.animator.running(chart),
  }];
}))
"""

FRAMES = """() => new Promise((done) => {
  let n = 0;
  const next = () => (++n > 10 ? done(true) : requestAnimationFrame(next));
  requestAnimationFrame(next);
})"""


def _table_figures(page: Page, figure: str) -> tuple[list[str], list[list[float | None]]]:
    """A chart's table as the reader sees it: row keys and each series' column."""
    keys, columns = page.evaluate(
        """(id) => {
          const table = document.querySelector(`#${id} table`);
          const heads = [...table.tHead.rows[0].cells];
          const cols = heads.map((th, i) => [th, i])
            .filter(([th]) => th.dataset.series !== undefined);
          const rows = [...table.tBodies[0].rows];
          return [rows.map((r) => r.cells[0].textContent.trim()),
                  cols.map(([, i]) => rows.map((r) => {
                    const v = r.cells[i]?.dataset.value ?? "";
                    return v === "" ? null : Number(v);
                  }))];
        }""",
        figure,
    )
    return list(keys), list(columns)


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_charts_are_drawn_once_and_stay_still_on_the_figures_of_their_tables(
    browser: Any, live_hub: LiveHub, motion: str
) -> None:
    """Charts made in their hidden boxes were laid out again as the boxes appeared, their
    bars moving across days for seconds after load; with reduced motion nothing moves."""
    context, page, problems = _manager(browser, live_hub, "en", "/admin/stats")
    try:
        page.emulate_media(reduced_motion=motion)  # type: ignore[arg-type]
        page.add_init_script(WATCH_CHARTS)
        page.get_by_role("link", name="Last month").click()
        page.wait_for_url("**from=*")
        expect(page.locator("#charts")).to_have_class("admin-section charts charts-on")
        if motion == "reduce":  # no entrance either: nothing runs from the first frame
            state = page.evaluate(CHART_STATE)
            assert state and not [k for k, s in state.items() if s["running"]], state
            animated = "Object.values(Chart.instances).map((c) => c.options.animation)"
            assert set(page.evaluate(f"() => {animated}")) == {False}
        page.wait_for_function(
            "() => Object.values(Chart.instances).every((c) => !Chart.animator.running(c))"
        )
        page.evaluate(FRAMES)  # ten frames more: any late layout would have started by now
        state = page.evaluate(CHART_STATE)
        assert {"chart-volume", "chart-points"} <= state.keys(), state.keys()
        updates = page.evaluate("window.__chartUpdates")
        # each chart laid out when made, at its size: never made in a hidden box and laid
        # out again as it appeared ("attach"), nor resized after
        assert {u[0] for u in updates} == state.keys(), updates
        assert all(u[1] == "undefined" and u[2] > 0 and u[3] > 0 for u in updates), updates
        for figure, drawn in state.items():
            assert not drawn["running"], (figure, drawn)
            assert drawn["off"] < 0.5, (figure, drawn)  # the bars stand on their figures
            keys, values = _table_figures(page, figure)
            assert len(drawn["labels"]) == len(keys), (figure, drawn["labels"], keys)
            assert drawn["values"] == values, (figure, drawn["values"], values)
        day10 = _last_month().replace(day=10).isoformat()
        volume = state["chart-volume"]
        assert volume["values"][0][volume["labels"].index(day10)] == 2  # as its table says
        assert problems == []
    finally:
        context.close()
