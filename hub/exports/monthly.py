"""The monthly report of a business or one establishment: figures, charts, what was said.

Figures are the statistics' own, counted by the store (`hub.tickets.stats.ticket_stats`,
filtered by establishment), so the report, the dashboard and the CSV agree; the month is
the business's local calendar month (never over 31 days: exact percentiles). "Within the
promise" is of the SOS due, overall and per group (their `promise`, hub/tickets/promise.py),
as the dashboard's card and tables read it: an SOS still inside its promise when the report
is made (the current month's last hours) is said apart, not counted as late. Only the
words are read from the tickets' texts. The HTML is rendered by the caller (in the request, for the
manager's language); `write_pdf` lays it out with WeasyPrint, offline, with the printables'
vendored font.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from weasyprint import HTML

from hub import clock
from hub.clock import iso
from hub.errors import Invalid
from hub.exports.filters import TicketFilter
from hub.exports.words import top_words
from hub.ports import Doc, StatsQuery, StatsStore, Store
from hub.printables.render import FONT_BASE, OfflineFetcher
from hub.tickets.promise import not_due_yet
from hub.tickets.stats import YEARS, Period, ticket_stats

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# First-answer times, in minutes, as the report groups them (the last bound: the promise).
RESPONSE_BOUNDS = (15, 60, 240)
TOP_POINTS = 10
TOP_WORDS = 15


def month_period(month: str, timezone: str) -> Period:
    """`YYYY-MM` as the business's local month; Invalid names `month`."""
    found = MONTH.match(month)
    if not found or not 1 <= int(found[2]) <= 12 or not YEARS[0] <= int(found[1]) < YEARS[1]:
        raise Invalid(f"month: a month as YYYY-MM (got {month[:20]!r})", field="month")
    year, number = int(found[1]), int(found[2])
    zone = ZoneInfo(timezone)
    start = datetime.combine(date(year, number, 1), time(), zone)
    following = date(year + number // 12, number % 12 + 1, 1)
    return Period(start, datetime.combine(following, time(), zone))


def response_buckets(
    tickets: list[Doc], promise_minutes: float, at: datetime | None = None
) -> list[tuple[str, int]]:
    """How soon the first answers came: keys `15`, `60`, `240`, `promise`, `late`, `none`
    (unanswered past the promise) and `waiting` (unanswered, still within it at `at`; now
    when None): the reference in Python the store's counts are held to (tests). A bound
    past a short promise (a 1-hour one: 240) keeps no answer: one after the promise is late."""
    keys = [*(str(b) for b in RESPONSE_BOUNDS), "promise", "late", "none", "waiting"]
    counts = dict.fromkeys(keys, 0)
    sla, moment = timedelta(minutes=promise_minutes), at or clock.now()
    for ticket in tickets:
        start, end = ticket.get("created_at"), ticket.get("first_response_at")
        if not end or not start:
            counts["waiting" if start and not_due_yet(ticket, sla, moment) else "none"] += 1
            continue
        waited = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60
        bound = next((str(b) for b in RESPONSE_BOUNDS if waited <= min(b, promise_minutes)), None)
        if bound is None:
            bound = "promise" if waited <= promise_minutes else "late"
        counts[bound] += 1
    return list(counts.items())


async def _establishment(store: Store, tenant_id: str, slug: str | None) -> Doc | None:
    if slug is None:
        return None
    found = await store.find(tenant_id, "establishments", {"slug": slug}, limit=1)
    if not found:
        raise Invalid(f"establishment: no establishment {slug[:40]!r}", field="establishment")
    return found[0]


async def _responses(
    store: Store, tenant: Doc, period: Period, establishment: str | None, waiting: int
) -> list[tuple[str, int]]:
    """How soon the first answers came (as `response_buckets` counts them), from the store:
    its first responses within 15, 60 and 240 minutes and within the promise. `waiting`:
    the SOS not due yet (the overall `promise` of the statistics)."""
    promise = float(tenant.get("sla_hours") or 48) * 60
    within: dict[float, int] = {}
    count = answered = 0
    for bound in {*(min(b, promise) for b in RESPONSE_BOUNDS), promise}:
        query = StatsQuery(
            tenant["id"],
            iso(period.start),
            iso(period.end),
            "status",
            float(bound),
            str(tenant.get("timezone") or "UTC"),
            establishment=establishment,
        )
        overall = (await cast(StatsStore, store).ticket_figures(query)).overall
        within[bound] = overall.first_response.within_sla
        count, answered = overall.count, overall.first_response.count
    counts: dict[str, int] = {}
    below = 0
    for bound in RESPONSE_BOUNDS:  # past the promise, a bound keeps nothing (all late)
        counts[str(bound)] = within[min(bound, promise)] - below
        below = within[min(bound, promise)]
    counts["promise"] = max(0, within[promise] - below)
    counts["late"] = answered - max(below, within[promise])
    counts["none"] = count - answered - waiting
    counts["waiting"] = waiting
    return list(counts.items())


async def monthly_figures(
    store: Store, tenant: Doc, month: str, establishment: str | None
) -> dict[str, Any]:
    """Everything the report shows, as data (the template only lays it out): counted by the
    store, as the dashboard counts (`hub.tickets.stats.ticket_stats`)."""
    timezone = str(tenant.get("timezone") or "UTC")
    period = month_period(month, timezone)
    place = await _establishment(store, tenant["id"], establishment)
    wanted = TicketFilter(establishment=establishment)
    sla_hours = float(tenant.get("sla_hours") or 48)

    async def grouped(by: str) -> dict[str, Any]:
        return await ticket_stats(store, tenant, period, by, establishment=establishment)

    by_group = await grouped("category_group")
    kept = by_group["overall"]["promise"]
    return {
        "month": month,
        "period": period,
        "timezone": timezone,
        "sla_hours": sla_hours,
        "establishment": place,
        "truncated": False,  # kept for the template: the store counts every ticket
        "overall": by_group["overall"],
        "held_back": by_group["held_back"],
        "by_group": by_group["groups"],
        "by_point": (await grouped("point"))["groups"][:TOP_POINTS],
        "by_day": _days((await grouped("day"))["groups"], period, ZoneInfo(timezone)),
        "promise": kept,
        "responses": await _responses(
            store, tenant, period, establishment, kept["sos"] - kept["due"]
        ),
        "words": await top_words(store, tenant, period, wanted, TOP_WORDS),
    }


def _days(groups: list[dict[str, Any]], period: Period, zone: ZoneInfo) -> list[tuple[str, int]]:
    """Every local day of the month with its count (days without an SOS too)."""
    counts = {g["key"]: g["count"] for g in groups}
    day = period.start.astimezone(zone).date()
    last = period.end.astimezone(zone).date()
    out: list[tuple[str, int]] = []
    while day < last:
        out.append((str(day.day), counts.get(day.isoformat(), 0)))
        day = date.fromordinal(day.toordinal() + 1)
    return out


def write_pdf(html: str) -> bytes:
    """The report's PDF (blocking: call it in a thread); nothing is fetched but the font."""
    pdf: bytes = HTML(string=html, base_url=FONT_BASE, url_fetcher=OfflineFetcher()).write_pdf()
    return pdf
