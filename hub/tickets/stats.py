"""Ticket statistics for managers: counts per group, and response times against the promise.

A manager on Monday morning asks: how many SOS last week, where from, about what, and did
we answer within the promised hours? Each group (a status, a category or category group,
an access point, an establishment, a department, a language, a local day, hour or weekday)
gets its count and its first-response and resolution times (median, 90th percentile, and
how many within `sla_hours`), its `promise` (answered in time of the SOS *due*, as the
headline card and the operator's overview count it: hub/tickets/promise.py), and what
customers answered in the survey (ratings and NPS). Days, hours and weekdays are the
business's local ones. Held-back SOS are counted apart: they never reached the staff.
Categories are the ones staff confirmed; an SOS they have not classified is
"unclassified", whatever its text suggested.

By point, each group also carries its `scans` (openings of the point's page, counted per
local day by hub/accounts/scans.py) and its `conversion` (QR SOS per scan), and points
that were scanned but sent no SOS appear too: which posters work, which are only looked at.

The store does the counting (`StatsStore` in hub/ports.py, over the facts each ticket gets
at write time: hub/tickets/facts.py), so a period of a million tickets is never loaded
here; `ticket_stats` orders, names and shapes its answer. `summarize` below is the same
computation in plain Python over ticket documents: the reference the statistics contract
tests (tests/integration/test_stats_contract.py) hold both stores to.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast, get_args
from zoneinfo import ZoneInfo

from hub import clock
from hub.clock import iso, parse_iso
from hub.errors import Invalid
from hub.ports import Doc, GroupFigures, StatsQuery, StatsStore, Store, Timing
from hub.tickets.etiquette import STEPS
from hub.tickets.etiquette import _shares as shares
from hub.tickets.facts import EXACT_DAYS, FILTERED, UNCLASSIFIED, binned
from hub.tickets.model import RATINGS, Category, category_group
from hub.tickets.place_names import establishment_names, labelled_with_establishment
from hub.tickets.promise import kept_promise, not_due_yet, promise_figures, waiting_counts
from hub.tickets.ticket import Ticket

GroupBy = Literal[
    "status",
    "category",
    "category_group",
    "point",
    "establishment",
    "department",
    "language",
    "day",
    "hour",
    "weekday",
    "month",
    "weekday_hour",
    "agent",
]
GROUPINGS: tuple[str, ...] = get_args(GroupBy)
TIME_GROUPINGS = ("day", "hour", "weekday", "month", "weekday_hour")
# Scans per point code over some local days (`YYYY-MM-DD`): hub.accounts.scans.Scans.per_point.
ScanTotals = Callable[[str, Sequence[str]], Awaitable[Mapping[str, int]]]
DEFAULT_DAYS = 30
MAX_DAYS = 366
# The readers that still walk tickets in Python (the monthly PDF, exports' helpers) read at
# most this many; the statistics above never load any.
MAX_TICKETS = 100_000
YEARS = (2000, 2100)  # what a period may name (and what datetime arithmetic stays within)


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC


def _minutes(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return max(0.0, (parse_iso(end) - parse_iso(start)).total_seconds() / 60)


def _percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (not empty)."""
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


def timing(
    values: Iterable[float | None], sla_minutes: float, *, in_bins: bool = False
) -> dict[str, Any]:
    """How long something took across tickets: how many have it, median, p90, within SLA.
    `in_bins`: median and p90 at the histograms' resolution (hub/tickets/facts.py)."""
    done = sorted(v for v in values if v is not None)
    if not done:
        return {"count": 0, "median_minutes": None, "p90_minutes": None, "within_sla": 0}
    median, p90 = _percentile(done, 0.5), _percentile(done, 0.9)
    if in_bins:
        median, p90 = binned(median) or 0.0, binned(p90) or 0.0
    return {
        "count": len(done),
        "median_minutes": round(median, 1),
        "p90_minutes": round(p90, 1),
        "within_sla": sum(1 for v in done if v <= sla_minutes),
    }


def percentiles_binned(period: Period) -> bool:
    """Whether a period's median and p90 are given at the histograms' resolution: periods
    over EXACT_DAYS days (an hour more: a DST change), counted from the per-day rollups."""
    return period.end - period.start > timedelta(days=EXACT_DAYS, hours=1)


def satisfaction(tickets: Iterable[Doc]) -> dict[str, Any]:
    """Survey answers: ratings counted, and the Net Promoter Score of those who gave one.

    NPS = % promoters (9-10) - % detractors (0-6), from -100 to 100; None without answers.
    """
    ratings = dict.fromkeys(RATINGS, 0)
    promoters = passives = detractors = 0
    answers = 0
    for ticket in tickets:
        survey = ticket.get("survey") or {}
        if survey.get("rating") in ratings:
            answers += 1
            ratings[survey["rating"]] += 1
        nps = survey.get("nps")
        if isinstance(nps, int):
            if nps >= 9:
                promoters += 1
            elif nps >= 7:
                passives += 1
            else:
                detractors += 1
    scored = promoters + passives + detractors
    return {
        "answers": answers,
        "ratings": ratings,
        "nps": {
            "answers": scored,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "score": round(100 * (promoters - detractors) / scored) if scored else None,
        },
    }


def _summary(
    tickets: list[Doc], sla_minutes: float, at: datetime, in_bins: bool = False
) -> dict[str, Any]:
    first = timing(
        (_minutes(t.get("created_at"), t.get("first_response_at")) for t in tickets),
        sla_minutes,
        in_bins=in_bins,
    )
    sla = timedelta(minutes=sla_minutes)
    waiting = sum(1 for t in tickets if not_due_yet(t, sla, at))
    return {
        "satisfaction": satisfaction(tickets),
        "count": len(tickets),
        "first_response": first,
        "resolution": timing(
            (_minutes(t.get("created_at"), t.get("resolved_at")) for t in tickets),
            sla_minutes,
            in_bins=in_bins,
        ),
        "promise": kept_promise(len(tickets), first["within_sla"], waiting),
    }


def group_key(ticket: Doc, by: str, zone: ZoneInfo) -> tuple[Any, str | None]:
    """The group a ticket falls in, and a label for people (None: the key says it all)."""
    if by == "point":
        point = ticket.get("point") or {}
        if point.get("code"):
            return point["code"], point.get("label")
        kiosk = ticket.get("kiosk") or {}
        return (f"kiosk:{kiosk['id']}", kiosk.get("name")) if kiosk.get("id") else (None, None)
    if by in TIME_GROUPINGS:
        local = parse_iso(ticket["created_at"]).astimezone(zone)
        if by == "day":
            return local.date().isoformat(), None
        if by == "month":
            return local.strftime("%Y-%m"), None
        if by == "hour":
            return local.hour, None
        if by == "weekday_hour":
            return f"{local.isoweekday()}-{local.hour:02d}", None
        return local.isoweekday(), None  # Monday = 1, as in routing rules
    if by == "agent":
        responder = ticket.get("first_responder") or {}
        return responder.get("id"), responder.get("name")
    if by in ("category", "category_group"):
        value = ticket.get("category")
        if not value or value not in Category.__members__:
            return UNCLASSIFIED, None
        return (value if by == "category" else category_group(value)), None
    return ticket.get(by), None


def _scan_figures(members: list[Doc], scans: int) -> dict[str, Any]:
    """Scans beside the SOS, and QR SOS per scan (kiosk SOS were never scans); None: no scans."""
    from_qr = sum(1 for t in members if t.get("source") != "kiosk")
    return {"scans": scans, "conversion": round(from_qr / scans, 3) if scans else None}


def summarize(
    tickets: Iterable[Doc],
    *,
    by: str,
    timezone: str,
    sla_hours: float,
    scans: Mapping[str, int] | None = None,
    labels: Mapping[Any, str | None] | None = None,
    in_bins: bool = False,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Counts and times overall and per group (groups largest first, then by key).
    `in_bins`: median and p90 at the histograms' resolution (as for a long period); `at`:
    the moment the promise is read at (which SOS are not due yet; now when None).

    `scans` (by point): each point's scans in the period, so that every group carries its
    figures and a point scanned without an SOS still gets its (empty) group. `labels`: the
    current names of the keys (points, establishments), before the ones tickets carry.
    """
    zone = ZoneInfo(timezone)
    sla_minutes = sla_hours * 60
    at = at or clock.now()
    shown: list[Doc] = []
    held_back = 0
    groups: dict[Any, list[Doc]] = {}
    named: dict[Any, str | None] = {}
    for ticket in tickets:
        if Ticket(ticket).held_back:
            held_back += 1
            continue
        shown.append(ticket)
        key, label = group_key(ticket, by, zone)
        groups.setdefault(key, []).append(ticket)
        if label is not None:
            named[key] = label
    for code in scans or {}:
        groups.setdefault(code, [])
    named |= {k: v for k, v in (labels or {}).items() if v}

    def order(item: tuple[Any, list[Doc]]) -> tuple[int, int, bool, str]:
        """Days, hours and weekdays in time order; other groups largest first (then the most
        scanned); "none" last."""
        key, members = item
        size = 0 if by in TIME_GROUPINGS else -len(members)
        scanned = -(scans or {}).get(key, 0)
        last = key is None or key == UNCLASSIFIED
        return (size, scanned, last, f"{key:04d}" if isinstance(key, int) else str(key))

    def group(key: Any, members: list[Doc]) -> dict[str, Any]:
        figures = {
            "key": key,
            "label": named.get(key),
            **_summary(members, sla_minutes, at, in_bins),
        }
        if scans is not None:
            figures |= _scan_figures(members, scans.get(key, 0) if key is not None else 0)
        return figures

    overall = _summary(shown, sla_minutes, at, in_bins)
    if scans is not None:
        overall |= _scan_figures(shown, sum(scans.values()))
    return {
        "by": by,
        "timezone": timezone,
        "sla_hours": sla_hours,
        "percentiles": "binned" if in_bins else "exact",
        "held_back": held_back,
        "overall": overall,
        "groups": [group(key, members) for key, members in sorted(groups.items(), key=order)],
    }


def local_days(period: Period, timezone: str) -> list[str]:
    """The business's local days that begin inside the period, `YYYY-MM-DD`, in order.

    Scans are counted per local day, so a period is read as whole days: a day counts when its
    midnight falls in [start, end). A period of dates is exactly its days; the default one
    (the last 30 days up to now) is the 30 days up to today.
    """
    zone = ZoneInfo(timezone)
    day = period.start.astimezone(zone).date()
    if datetime.combine(day, time(), zone) < period.start:
        day += timedelta(days=1)
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    days: list[str] = []
    while day <= last:
        days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def parse_bound(text: str, zone: ZoneInfo, *, field: str, end: bool) -> datetime:
    """`YYYY-MM-DD` (a local day: from its start, or up to its end) or an ISO date-time
    (with an offset; without one, local time). Invalid names the field."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise Invalid(f"{field}: a year from {YEARS[0]} to {YEARS[1]}", field=field)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise Invalid(
            f"{field}: expected a date (2026-11-30) or a date-time with its offset "
            f"(2026-11-30T08:00:00+01:00), got {text[:40]!r}",
            field=field,
        ) from None


def asked_period(now: datetime, timezone: str, start: str | None, end: str | None) -> Period:
    """The period a manager asked for; missing ends: the last DEFAULT_DAYS days up to now."""
    zone = ZoneInfo(timezone)
    upper = parse_bound(end, zone, field="to", end=True) if end else now
    lower = (
        parse_bound(start, zone, field="from", end=False)
        if start
        else upper - timedelta(days=DEFAULT_DAYS)
    )
    if lower >= upper:
        raise Invalid("from: must be before to", field="from")
    if upper - lower > timedelta(days=MAX_DAYS, hours=1):  # an hour more: a DST change
        raise Invalid(f"from: a period of at most {MAX_DAYS} days", field="from")
    return Period(lower, upper)


async def _names(
    store: Store, tenant_id: str, by: str, establishment: str | None = None
) -> dict[Any, str | None]:
    """Today's names of points, establishments or staff, which tickets may carry older ones of.
    A point's with its establishment's when the business has several (two "Barra" rows
    would say nothing), unless the figures are one establishment's already."""
    if by == "point":
        places = {} if establishment else await establishment_names(store, tenant_id)
        points = await store.find(tenant_id, "points")
        return {
            p["code"]: labelled_with_establishment(p["label"], p.get("establishment"), places)
            if p.get("label")
            else None
            for p in points
        }
    if by == "establishment":
        found = await store.find(tenant_id, "establishments")
        return {e["slug"]: e.get("name") for e in found}
    if by == "agent":
        return {u["id"]: u.get("name") for u in await store.find(tenant_id, "users")}
    return {}


def _timing_json(timing: Timing, in_bins: bool) -> dict[str, Any]:
    if not timing.count:
        return {"count": 0, "median_minutes": None, "p90_minutes": None, "within_sla": 0}
    median, p90 = timing.median, timing.p90
    if in_bins:  # a store that ranked exact values: the same answer as its rollups'
        median, p90 = binned(median), binned(p90)
    return {
        "count": timing.count,
        "median_minutes": None if median is None else round(median, 1),
        "p90_minutes": None if p90 is None else round(p90, 1),
        "within_sla": timing.within_sla,
    }


def _figures_json(figures: GroupFigures, in_bins: bool) -> dict[str, Any]:
    """A group's figures in the shape `summarize` gives (the API's)."""
    scored = figures.promoters + figures.passives + figures.detractors
    nps = figures.promoters - figures.detractors
    return {
        "satisfaction": {
            "answers": sum(figures.ratings.values()),
            "ratings": {r: int(figures.ratings.get(r, 0)) for r in RATINGS},
            "nps": {
                "answers": scored,
                "promoters": figures.promoters,
                "passives": figures.passives,
                "detractors": figures.detractors,
                "score": round(100 * nps / scored) if scored else None,
            },
        },
        "count": figures.count,
        "first_response": _timing_json(figures.first_response, in_bins),
        "resolution": _timing_json(figures.resolution, in_bins),
    }


def _promise(figures: GroupFigures, waiting: int) -> dict[str, Any]:
    """A group's answered in time of its due (`kept_promise`); `waiting`: its SOS not due yet."""
    return kept_promise(
        figures.count, figures.first_response.within_sla, min(waiting, figures.count)
    )


def _conversion(from_qr: int, scans: int) -> dict[str, Any]:
    return {"scans": scans, "conversion": round(from_qr / scans, 3) if scans else None}


def _order(by: str, scans: Mapping[str, int] | None) -> Callable[[GroupFigures], Any]:
    """Days, hours, months and weekdays in time order; other groups largest first (then the
    most scanned); "none" and "unclassified" last (as `summarize` orders them)."""

    def order(group: GroupFigures) -> tuple[int, int, bool, str]:
        key = group.key
        size = 0 if by in TIME_GROUPINGS else -group.count
        scanned = -(scans or {}).get(key, 0)
        last = key is None or key == UNCLASSIFIED
        return (size, scanned, last, f"{key:04d}" if isinstance(key, int) else str(key))

    return order


def _empty(key: Any) -> GroupFigures:
    """A group no ticket fell in (a point scanned without an SOS)."""
    return GroupFigures(key, None, 0, 0, Timing(), Timing(), dict.fromkeys(RATINGS, 0), 0, 0, 0)


def _store_stats(store: Store) -> StatsStore:
    if not hasattr(store, "ticket_figures"):
        raise TypeError(f"{type(store).__name__} answers no statistics")
    return cast(StatsStore, store)


async def ticket_stats(
    store: Store,
    tenant: Doc,
    period: Period,
    by: str,
    scan_totals: ScanTotals | None = None,
    category_group: str | None = None,
    establishment: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The tenant's statistics for tickets created in `period`, grouped `by`: the store
    groups and counts (hub/ports.py StatsStore), this orders, names and shapes the answer.
    `category_group`: only the tickets staff put in it (the groupings FILTERED names);
    `establishment`: only that establishment's tickets.

    Every group (and `overall`) carries its `promise` as it stands at `at` (now when None):
    answered in time of its SOS due, the SOS not due yet read apart (hub/tickets/promise.py).

    By point, with `scan_totals`: each point's scans over the period's local days too
    (`scan_days` names the first and last).
    """
    if by not in GROUPINGS:
        raise Invalid(f"by: one of {', '.join(GROUPINGS)}", field="by")
    if category_group is not None and by not in FILTERED.get(category_group, ()):
        raise ValueError(f"no statistics of {category_group!r} tickets by {by!r}")
    timezone = str(tenant.get("timezone") or "UTC")
    sla_hours = float(tenant.get("sla_hours") or 48)
    sla_minutes = sla_hours * 60
    in_bins = percentiles_binned(period)
    query = StatsQuery(
        tenant["id"],
        iso(period.start),
        iso(period.end),
        by,
        sla_minutes,
        timezone,
        in_bins,
        category_group,
        establishment,
    )
    figures = await _store_stats(store).ticket_figures(query)
    moment = at or clock.now()
    waiting_total, waiting = await waiting_counts(
        store, query, period.start, moment, timedelta(minutes=sla_minutes)
    )
    scans: Mapping[str, int] | None = None
    scan_days: dict[str, str] | None = None
    if by == "point" and scan_totals is not None:
        days = local_days(period, timezone)
        scans = await scan_totals(tenant["id"], days)
        scan_days = {"from": days[0], "to": days[-1]} if days else None
    groups = {g.key: g for g in figures.groups}
    for code in scans or {}:
        groups.setdefault(code, _empty(code))
    named: dict[Any, str | None] = {g.key: g.label for g in figures.groups if g.label}
    named |= {k: v for k, v in (await _names(store, tenant["id"], by, establishment)).items() if v}

    def group(figures: GroupFigures) -> dict[str, Any]:
        out = {"key": figures.key, "label": named.get(figures.key)}
        out |= _figures_json(figures, in_bins)
        out["promise"] = _promise(figures, waiting.get(figures.key, 0))
        if scans is not None:
            scanned = scans.get(figures.key, 0) if figures.key is not None else 0
            out |= _conversion(figures.from_qr, scanned)
        return out

    overall = _figures_json(figures.overall, in_bins)
    overall["promise"] = _promise(figures.overall, waiting_total)
    if scans is not None:
        overall |= _conversion(figures.overall.from_qr, sum(scans.values()))
    extra = {"scan_days": scan_days} if by == "point" else {}
    return {
        "from": iso(period.start),
        "to": iso(period.end),
        "truncated": False,  # kept for old readers: the store counts every ticket now
        "by": by,
        "timezone": timezone,
        "sla_hours": sla_hours,
        "percentiles": "binned" if in_bins else "exact",
        "held_back": figures.held_back,
        "overall": overall,
        "groups": [group(g) for g in sorted(groups.values(), key=_order(by, scans))],
        **extra,
    }


async def etiquette_stats(store: Store, period: Period, tenant_id: str) -> dict[str, Any]:
    """Per agent, the replies sent in `period` and the share covering each etiquette step
    (as hub.tickets.etiquette.report words it), counted by the store."""
    agents = await _store_stats(store).reply_figures(tenant_id, iso(period.start), iso(period.end))
    totals = dict.fromkeys(STEPS, 0)
    for agent in agents:
        for step in STEPS:
            totals[step] += int(agent.covered.get(step, 0))
    count = sum(a.replies for a in agents)
    agents = sorted(agents, key=lambda a: (-a.replies, str(a.name or "").casefold()))
    rows = [
        {
            "id": a.id,
            "name": a.name,
            "replies": a.replies,
            "steps": shares(dict(a.covered), a.replies),
        }
        for a in agents
    ]
    return {
        "from": iso(period.start),
        "to": iso(period.end),
        "truncated": False,
        "steps": list(STEPS),
        "agents": rows,
        "overall": {"replies": count, "steps": shares(totals, count)},
    }


class TicketStats:
    """The statistics use case on the hub's store (and the points' scans, when given)."""

    def __init__(self, store: Store, scan_totals: ScanTotals | None = None) -> None:
        self.store = store
        self.scan_totals = scan_totals

    async def report(
        self, tenant: Doc, period: Period, by: str, at: datetime | None = None
    ) -> dict[str, Any]:
        """The period's statistics grouped `by`, the promise read at `at` (now when None)."""
        return await ticket_stats(self.store, tenant, period, by, self.scan_totals, at=at)

    async def promise(
        self, tenant: Doc, period: Period, at: datetime, report: Doc | None = None
    ) -> dict[str, Any]:
        """Answered within the promise in `period`, as it stands at `at`: the measure the
        operator's overview shows too (hub/tickets/promise.py). `report`: the period's
        statistics already counted at `at` (any grouping), whose overall promise it is."""
        if report is not None:
            return dict(report["overall"]["promise"])
        return await promise_figures(self.store, tenant, period.start, period.end, at)

    async def complaints_by_point(
        self, tenant: Doc, period: Period, at: datetime | None = None
    ) -> dict[str, Any]:
        """The complaints of the period (staff's category in the `complaint` group) grouped by
        point: how many, how fast answered, and the ratings and NPS their customers gave
        afterwards (largest first). Counted by the store (its rollups of complaints by
        point over long periods), as `report` counts."""
        return await ticket_stats(self.store, tenant, period, "point", None, "complaint", at=at)

    async def etiquette(self, tenant: Doc, period: Period) -> dict[str, Any]:
        """Per agent, the replies sent in `period` and the share covering each etiquette step
        (hub/tickets/etiquette.py): the quality review of how staff answer."""
        return await etiquette_stats(self.store, period, tenant["id"])
