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
statistics do); only the SOS still inside their promise (created in its last `sla_hours`,
unanswered) are read here, to tell which of them are not due yet. The statistics give every
group (point, department, day, ...) the same figures from them (`promise` in each group of
hub/tickets/stats.py), so a table's row reads as the headline card does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from hub.clock import iso, parse_iso
from hub.ports import Doc, StatsQuery, StatsStore, Store
from hub.tickets.ticket import Ticket

DEFAULT_SLA_HOURS = 48.0
MAX_WAITING = 100_000  # as the statistics read (hub/tickets/stats.py MAX_TICKETS)


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


def count_not_due(tickets: Iterable[Doc], sla: timedelta, at: datetime, end: str) -> int:
    """How many of these tickets, created before `end` (ISO time), are not due yet at `at`."""
    return sum(1 for t in tickets if str(t["created_at"]) < end and not_due_yet(t, sla, at))


async def waiting_tickets(
    store: Store, tenant: Doc, start: datetime, end: datetime, at: datetime
) -> list[Doc]:
    """The tenant's SOS created in [start, end) that are not due yet at `at`: only those of
    the promise's last `sla_hours` can be, so the read is bounded by them (and unanswered)."""
    sla = timedelta(hours=sla_hours_of(tenant))
    since = max(start, at - sla)
    if since >= end:
        return []
    recent = await store.find(
        str(tenant["id"]),
        "tickets",
        {"created_at": {"gte": iso(since)}, "first_response_at": None},
        sort="created_at",
        limit=MAX_WAITING,
    )
    upper = iso(end)
    return [t for t in recent if str(t["created_at"]) < upper and not_due_yet(t, sla, at)]


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
    if counted is None:
        minutes = sla_hours_of(tenant) * 60
        query = StatsQuery(str(tenant["id"]), iso(start), iso(end), "status", minutes)
        overall = (await cast(StatsStore, store).ticket_figures(query)).overall
        counted = (overall.count, overall.first_response.within_sla)
    waiting = len(await waiting_tickets(store, tenant, start, end, at))
    return kept_promise(counted[0], counted[1], waiting)
