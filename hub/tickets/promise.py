"""Did the business answer within its promise (`sla_hours`)? One measure, read by two pages.

The operator's overview and the manager's statistics page both show "answered in time"; they
once counted it two ways (of the SOS *due*, and of *every* SOS, so a fresh SOS still within
its promise read as a broken one: 100 % on one page, 25 % on the other for the same
hotel). This module is the one way both count it:

- an SOS is *due* once it was answered, or once its promise ran out unanswered; one still
  within its promise counts in neither column, so a fresh SOS never lowers the share;
- it was *answered in time* when its first answer came within `sla_hours` of its creation;
- held-back SOS never reached the staff: not counted.

The store counts the SOS and those answered in time (`StatsStore.ticket_figures`, as the
statistics do), and the SOS not due yet the same way: the unanswered ones among those
created in the promise's last `sla_hours` (`waiting_counts`: one grouped count, no ticket
read into Python). The statistics give every group (point, department, day, ...) the same
figures (`promise` in each group of hub/tickets/stats.py), so a table's row reads as the
headline card does.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any, cast

from hub.clock import iso, parse_iso
from hub.ports import Doc, StatsQuery, StatsStore, Store
from hub.tickets.ticket import Ticket

DEFAULT_SLA_HOURS = 48.0


def sla_hours_of(tenant: Doc) -> float:
    """The business's promise in hours (48 when unset)."""
    return float(tenant.get("sla_hours") or DEFAULT_SLA_HOURS)


def not_due_yet(ticket: Doc, sla: timedelta, at: datetime) -> bool:
    """An SOS the staff saw, not answered yet, whose promise has not run out at `at`."""
    if Ticket(ticket).held_back or ticket.get("first_response_at"):
        return False
    return parse_iso(str(ticket["created_at"])) + sla > at


def kept_promise(sos: int, answered_in_time: int, waiting: int) -> dict[str, Any]:
    """The figures both pages show: SOS, due, answered in time, and the share of the due
    answered in time (None while nothing is due). `waiting`: SOS not due yet."""
    due = max(0, sos - waiting)
    return {
        "sos": sos,
        "due": due,
        "answered_in_time": answered_in_time,
        "share_in_time": round(answered_in_time / due, 3) if due else None,
    }


def inside_promise_since(start: datetime, at: datetime, sla: timedelta) -> datetime:
    """The first stored moment (ISO text keeps milliseconds) whose SOS is still within its
    promise at `at` (created after `at - sla`), and not before `start`."""
    ran_out = at - sla
    first = ran_out.replace(microsecond=ran_out.microsecond // 1000 * 1000)
    return max(start, first + timedelta(milliseconds=1))


def window_query(query: StatsQuery, start: datetime, at: datetime, sla: timedelta) -> StatsQuery:
    """`query` (its grouping, filters, end) narrowed to the SOS still within the promise at
    `at`: of those, the unanswered ones are the not due yet (counted in the store: the
    statistics' own grouped count, never tickets read into Python)."""
    since = inside_promise_since(start, at, sla)
    return dataclasses.replace(query, start=iso(since), binned=True)


async def waiting_counts(
    store: Store, query: StatsQuery, start: datetime, at: datetime, sla: timedelta
) -> tuple[int, dict[Any, int]]:
    """The SOS not due yet at `at`, overall and per group of `query` (created in its period
    from `start`): those created within the promise's last `sla` and not answered yet."""
    window = window_query(query, start, at, sla)
    if window.start >= query.end:
        return 0, {}
    figures = await cast(StatsStore, store).ticket_figures(window)
    unanswered = {g.key: g.count - g.first_response.count for g in figures.groups}
    overall = figures.overall.count - figures.overall.first_response.count
    return overall, {k: n for k, n in unanswered.items() if n > 0}


async def promise_figures(
    store: Store,
    tenant: Doc,
    start: datetime,
    end: datetime,
    at: datetime,
    counted: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """`kept_promise` for the tenant's SOS created in [start, end), as they stand at `at`.

    `counted`: (SOS, answered in time) when the caller already has the period's statistics;
    otherwise the store counts them here (the operator's overview).
    """
    sla = timedelta(hours=sla_hours_of(tenant))
    query = StatsQuery(str(tenant["id"]), iso(start), iso(end), "status", sla.total_seconds() / 60)
    if counted is None:
        overall = (await cast(StatsStore, store).ticket_figures(query)).overall
        counted = (overall.count, overall.first_response.within_sla)
    waiting, _groups = await waiting_counts(store, query, start, at, sla)
    return kept_promise(counted[0], counted[1], waiting)
