"""Honest waiting: what a customer is told about when the business will answer.

Outside the business's opening hours (hub/tickets/hours.py) the customer is told when it
opens: `expected_reply_by` is that opening time, the moment someone is there to read the
SOS (the reply target then runs from it: hub/tickets/targets.py). Inside them it is null,
and the page says how long answers usually take: the median first-response time of the
business's SOS of the last four weeks, kept for a few minutes per business so a busy
thread page does not ask the store every time. Once staff have answered and the ticket
waits for the customer (or is resolved), nothing is promised: nothing is owed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from hub.clock import iso, parse_iso
from hub.ports import Store
from hub.tickets.hours import next_opening
from hub.tickets.model import Status
from hub.tickets.repository import TicketRepository

HISTORY_DAYS = 28
HISTORY_LIMIT = 5000  # the newest answered SOS the median is taken over
CACHE_SECONDS = 300.0
# The customer is owed an answer in these statuses (a held-back SOS looks new to them).
AWAITING = frozenset(
    s.value for s in (Status.new, Status.acknowledged, Status.open, Status.quarantined)
)


def awaiting_reply(ticket: Mapping[str, Any]) -> bool:
    """Whether the business owes this customer an answer now."""
    return ticket.get("status") in AWAITING


def expected_reply_by(
    tenant: Mapping[str, Any], ticket: Mapping[str, Any], at: datetime
) -> str | None:
    """When the customer will be answered, told at `at`: the next opening while the
    business is closed; None while it is open, or when no answer is owed."""
    if not awaiting_reply(ticket):
        return None
    opens = next_opening(tenant.get("opening_hours"), at, str(tenant.get("timezone") or "UTC"))
    return iso(opens) if opens else None


def median_minutes(tickets: Sequence[Mapping[str, Any]]) -> int | None:
    """The median minutes from SOS to first answer, whole and at least 1; None without any."""
    waits = [
        (parse_iso(str(t["first_response_at"])) - parse_iso(str(t["created_at"]))).total_seconds()
        for t in tickets
        if t.get("first_response_at") and t.get("created_at")
    ]
    if not waits:
        return None
    return max(1, round(statistics.median(max(0.0, w) for w in waits) / 60))


class WaitingTimes:
    """How long a business usually takes to answer, cached per business for a few minutes."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.tickets = TicketRepository(store)
        self.clock = clock
        self._cache: dict[str, tuple[float, int | None]] = {}

    async def usual_minutes(self, tenant_id: str, now: datetime) -> int | None:
        """The median first-response time of the last four weeks' SOS, in minutes."""
        cached = self._cache.get(tenant_id)
        if cached is not None and self.clock() - cached[0] < CACHE_SECONDS:
            return cached[1]
        since = iso(now - timedelta(days=HISTORY_DAYS))
        answered = await self.tickets.answered_since(tenant_id, since, HISTORY_LIMIT)
        value = median_minutes(answered)
        self._cache[tenant_id] = (self.clock(), value)
        return value
