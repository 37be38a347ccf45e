"""The figures of the manager's dashboard (/admin/stats), gathered once per page load.

The page answers "which point produced the most complaints last month, how fast did we
answer them, and what did customers say afterwards", so besides the table the manager
groups by it holds the trend (by day, or by month over long periods), points, categories,
the weekday x hour heat map, the agents (joined with the reply etiquette), the complaints
per point, the comparison with another period (overall and by establishment) and the
business's targets against the actual figures. Every figure comes from the same reports
as GET /api/v1/stats, so the page, its charts and the API agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.accounts.targets import targets_json
from hub.container import hub
from hub.errors import Invalid
from hub.ports import Doc
from hub.tickets.stats import Period, asked_period, local_days

LONG_PERIOD = timedelta(days=62)  # longer: the trend goes by month, not by day
COMPLAINT = "complaint"
PRESETS = ("today", "7d", "30d", "this_month", "last_month")
COMPARE = ("previous", "custom", "none")


@dataclass(frozen=True)
class Asked:
    """The period the page shows, as dates for its form, and the one it compares with."""

    period: Period
    start: str  # local dates (YYYY-MM-DD), `end` included
    end: str
    compare: Period | None
    compare_start: str
    compare_end: str


def presets(today: date) -> dict[str, tuple[str, str]]:
    """The date presets in the business's days: today, 7 and 30 days up to today, this month
    and last month (first to last day)."""
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return {
        name: (start.isoformat(), end.isoformat())
        for name, start, end in (
            ("today", today, today),
            ("7d", today - timedelta(days=6), today),
            ("30d", today - timedelta(days=29), today),
            ("this_month", first, today),
            ("last_month", last_month_end.replace(day=1), last_month_end),
        )
    }


def _local_date(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def shown_period(
    now: datetime, zone_name: str, start: str | None, end: str | None
) -> tuple[Period, str, str]:
    """The period asked for and its dates as a form shows them (`YYYY-MM-DD`, the end
    included); no dates: the last 30 of the business's days up to today, whole days, so
    every page that shows "the last 30 days" (statistics, survey results) reads the same
    period. `from`/`to` as in asked_period (dates or date-times); Invalid names the field."""
    zone = ZoneInfo(zone_name)
    start, end = start or "", end or ""
    if not start and not end:
        start, end = presets(now.astimezone(zone).date())["30d"]
    period = asked_period(now, zone_name, start or None, end or None)
    return (
        period,
        start or _local_date(period.start, zone),
        end or _local_date(period.end - timedelta(microseconds=1), zone),
    )


def ask(now: datetime, zone_name: str, args: Mapping[str, str]) -> Asked:
    """Read the page's period and comparison; no dates: the last 30 days up to today.

    The comparison is the previous period of the same length unless the manager chose
    dates (`compare=custom`) or none (`compare=none`). Invalid names the field
    (`from`, `to`, `compare_from`, `compare_to`).
    """
    zone = ZoneInfo(zone_name)
    period, start, end = shown_period(now, zone_name, args.get("from"), args.get("to"))
    mode = args.get("compare") or "previous"
    compare: Period | None = None
    if mode == "custom":
        compare = _custom(now, zone_name, args)
    elif mode != "none":
        compare = Period(period.start - (period.end - period.start), period.start)
    if compare is None:
        return Asked(period, start, end, None, "", "")
    return Asked(
        period,
        start,
        end,
        compare,
        _local_date(compare.start, zone),
        _local_date(compare.end - timedelta(microseconds=1), zone),
    )


def _custom(now: datetime, zone_name: str, args: Mapping[str, str]) -> Period:
    start, end = args.get("compare_from") or "", args.get("compare_to") or ""
    if not start:
        raise Invalid("compare_from: choose the dates to compare with", field="compare_from")
    if not end:
        raise Invalid("compare_to: choose the dates to compare with", field="compare_to")
    try:
        return asked_period(now, zone_name, start, end)
    except Invalid as exc:
        field = "compare_to" if exc.field == "to" else "compare_from"
        raise Invalid(exc.message, field=field) from None


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def figures(by_group: Doc, by_point: Doc | None, promise: Doc) -> dict[str, Any]:
    """The headline figures of a period from its by=category_group report (and its by=point
    one, for the scans, and its promise: hub/tickets/promise.py, the share the operator's
    overview shows too): what targets and comparisons are read against."""
    o = by_group["overall"]
    complaints = sum(g["count"] for g in by_group["groups"] if g["key"] == COMPLAINT)
    sat = o["satisfaction"]
    scans = (by_point or {}).get("overall", {}).get("scans")
    return {
        "count": o["count"],
        "complaints": complaints,
        "first_response_minutes": o["first_response"]["median_minutes"],
        "within_promise_share": promise["share_in_time"],
        "satisfied_share": _share(
            sat["ratings"]["very_good"] + sat["ratings"]["good"], sat["answers"]
        ),
        "nps": sat["nps"]["score"],
        "scans": scans,
        "complaints_per_1000_scans": (1000 * complaints / scans) if scans else None,
    }


# Which way is better for each target: a lower figure (minutes, complaints) or a higher one.
LOWER_IS_BETTER = {"first_response_minutes", "complaints_per_1000_scans"}


def target_rows(targets: Mapping[str, Any], actual: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each target set beside the period's figure: met, missed, or None (no figure yet)."""
    rows = []
    for name, target in targets_json(targets).items():
        value = actual.get(name)
        met: bool | None = None
        if target is not None and value is not None:
            met = value <= target if name in LOWER_IS_BETTER else value >= target
        rows.append({"name": name, "target": target, "actual": value, "met": met})
    return rows


def deltas(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, float | None]:
    """Each figure's change from the period compared with (None when either is missing)."""
    return {
        k: (now[k] - before[k]) if now.get(k) is not None and before.get(k) is not None else None
        for k in now
    }


async def complaints_by_point(tenant: Doc, period: Period, at: datetime) -> Doc:
    """The complaints of the period grouped by point (hub/tickets/stats.py), the promise
    read at `at`."""
    return await hub().stats.complaints_by_point(tenant, period, at)


def _agents(by_agent: Doc, etiquette: Doc) -> list[dict[str, Any]]:
    """by=agent joined with the etiquette report by user id: first answers, their times and
    ratings, beside the agent's replies and the share of etiquette steps they covered."""
    steps = list(etiquette.get("steps") or [])
    manners = {a.get("id"): a for a in etiquette.get("agents") or []}
    rows: list[dict[str, Any]] = []
    for group in by_agent["groups"]:
        if group["key"] is None:
            continue
        polite = manners.pop(group["key"], None) or {}
        rows.append(
            {"id": group["key"], "name": group["label"], "group": group, **_manners(polite, steps)}
        )
    for agent in manners.values():  # replied, but answered no ticket of the period first
        rows.append(
            {
                "id": agent.get("id"),
                "name": agent.get("name"),
                "group": None,
                **_manners(agent, steps),
            }
        )
    return rows


def _manners(agent: Mapping[str, Any], steps: list[str]) -> dict[str, Any]:
    shares = [v for v in (agent.get("steps") or {}).values() if v is not None]
    return {
        "replies": agent.get("replies") or 0,
        "etiquette": sum(shares) / len(steps) if steps and shares else None,
    }


def trend_rows(report: Doc, period: Period, timezone: str) -> list[dict[str, Any]]:
    """Every local day (or month) of the period in order, with its group or None: a trend
    shows the quiet days too."""
    days = local_days(period, timezone)
    keys = list(dict.fromkeys(d[:7] for d in days)) if report["by"] == "month" else days
    groups = {g["key"]: g for g in report["groups"]}
    return [{"key": k, "group": groups.get(k)} for k in keys]


async def dashboard(tenant: Doc, asked: Asked, by: str, at: datetime) -> dict[str, Any]:
    """Every report the page shows, for the asked period and the one compared with, as
    they stand at `at` (now: which SOS are still within the promise)."""
    stats = hub().stats
    period = asked.period
    trend = "month" if period.end - period.start > LONG_PERIOD else "day"
    reports: dict[str, Doc] = {}
    for name in dict.fromkeys(
        (by, trend, "point", "category_group", "category", "weekday_hour", "agent", "establishment")
    ):
        reports[name] = await stats.report(tenant, period, name, at)
    etiquette = await stats.etiquette(tenant, period)
    promise = await stats.promise(tenant, period, at, reports["category_group"])
    actual = figures(reports["category_group"], reports["point"], promise)
    out: dict[str, Any] = {
        "reports": reports,
        "trend": trend,
        "trend_rows": trend_rows(reports[trend], period, str(tenant.get("timezone") or "UTC")),
        "etiquette": etiquette,
        "agents": _agents(reports["agent"], etiquette),
        "complaints": await complaints_by_point(tenant, period, at),
        "promise": promise,
        "actual": actual,
        "targets": target_rows(tenant.get("targets") or {}, actual),
        "previous": None,
    }
    if asked.compare is not None:
        earlier = await stats.report(tenant, asked.compare, "category_group", at)
        before = figures(
            earlier,
            await stats.report(tenant, asked.compare, "point", at),
            await stats.promise(tenant, asked.compare, at, earlier),
        )
        places = await stats.report(tenant, asked.compare, "establishment", at)
        out["previous"] = {
            "figures": before,
            "deltas": deltas(actual, before),
            "establishments": {g["key"]: g for g in places["groups"]},
        }
    return out
