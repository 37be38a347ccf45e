"""GET /api/v1/export/tickets.csv: one row per ticket of a period and filter.

Times come twice: the business's wall clock (what a manager reads) and ISO UTC (what a
program joins on). Contact data only where the customer left it: an anonymous ticket's
cells are empty. The rows are exactly the tickets /api/v1/stats counts for the same
period (held-back SOS apart), so the spreadsheet and the dashboard agree: `within_promise`
is yes (answered in time), no (answered late, or unanswered past the promise) or empty (not
due yet: unanswered, still within the promise; or held back), so yes / (yes + no) is the
dashboard's "answered within" (hub/tickets/promise.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub import clock
from hub.exports.csvfile import local_time, minutes_between, stream_csv
from hub.exports.filters import TicketFilter
from hub.exports.pages import tickets_in
from hub.ports import Doc, Store
from hub.tickets.model import Category, category_group
from hub.tickets.places import EstablishmentFallback
from hub.tickets.promise import not_due_yet
from hub.tickets.stats import Period
from hub.tickets.ticket import Ticket

TIMES = ("created_at", "first_response_at", "resolved_at", "closed_at")
HEADER = (
    "number",
    "status",
    *(f"{t.removesuffix('_at')}_{kind}" for t in TIMES for kind in ("local", "utc")),
    "timezone",
    "first_response_minutes",
    "within_promise",
    "source",
    "point",
    "point_label",
    "kiosk",
    "establishment",
    "department",
    "category",
    "category_group",
    "suggested_category",
    "language",
    "text",
    "description",
    "anonymous",
    "contact_name",
    "contact_email",
    "contact_phone",
    "assignee",
    "messages",
    "survey_rating",
    "survey_nps",
    "survey_comment",
    "id",
)


def _group(value: Any) -> str | None:
    return category_group(value) if value in Category.__members__ else None


def in_time(ticket: Doc, waited: float | None, sla_minutes: float, at: datetime) -> bool | None:
    """Answered within the promise (True), or due and not (False: late, or unanswered past
    it); None while it is not due yet at `at`, or held back (never reached the staff)."""
    if waited is not None:
        return waited <= sla_minutes
    if Ticket(ticket).held_back or not_due_yet(ticket, timedelta(minutes=sla_minutes), at):
        return None
    return False


def ticket_row(
    ticket: Doc, zone: ZoneInfo, sla_minutes: float, at: datetime | None = None
) -> list[Any]:
    """One ticket as a row of HEADER, its promise read at `at` (now when None)."""
    times: list[Any] = []
    for name in TIMES:
        times += [local_time(ticket.get(name), zone), ticket.get(name)]
    waited = minutes_between(ticket.get("created_at"), ticket.get("first_response_at"))
    point = ticket.get("point") or {}
    kiosk = ticket.get("kiosk") or {}
    contact = {} if ticket.get("anonymous") else (ticket.get("contact") or {})
    assignee = ticket.get("assignee") or {}
    survey = ticket.get("survey") or {}
    return [
        ticket.get("number"),
        ticket.get("status"),
        *times,
        str(zone),
        waited,
        in_time(ticket, waited, sla_minutes, at or clock.now()),
        ticket.get("source"),
        point.get("code"),
        point.get("label"),
        kiosk.get("name"),
        ticket.get("establishment"),
        ticket.get("department"),
        ticket.get("category"),
        _group(ticket.get("category")),
        ticket.get("suggested_category"),
        ticket.get("language"),
        ticket.get("text"),
        ticket.get("description"),
        bool(ticket.get("anonymous")),
        contact.get("name"),
        contact.get("email"),
        contact.get("phone"),
        assignee.get("name") if isinstance(assignee, dict) else None,
        ticket.get("message_count"),
        survey.get("rating"),
        survey.get("nps"),
        survey.get("comment"),
        ticket.get("id"),
    ]


async def ticket_rows(
    store: Store, tenant: Doc, period: Period, wanted: TicketFilter
) -> AsyncIterator[list[Any]]:
    zone = ZoneInfo(str(tenant.get("timezone") or "UTC"))
    sla_minutes = float(tenant.get("sla_hours") or 48) * 60
    at = clock.now()
    places = EstablishmentFallback(store, tenant["id"])  # stored without one: the point's
    async for ticket in tickets_in(store, tenant["id"], period, wanted.where()):
        if wanted.keeps(ticket):
            yield ticket_row(await places.one(ticket), zone, sla_minutes, at)


def tickets_csv(
    store: Store, tenant: Doc, period: Period, wanted: TicketFilter
) -> AsyncIterator[bytes]:
    """The file, streamed."""
    return stream_csv(HEADER, ticket_rows(store, tenant, period, wanted))
