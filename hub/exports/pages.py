"""A period's tickets in bounded pages, oldest first: never a year of tickets in memory.

Pages follow `created_at` (the store's index), or another time field (`by`: the survey's
`survey.answered_at`, for the answers given in a period). The next page starts at the last
page's last time, and the tickets already given at exactly that time are skipped: two SOS
of the same millisecond are neither lost nor given twice. Should a whole page share one
time, the page grows until it gets past it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from hub.clock import iso
from hub.ports import Doc, Store
from hub.tickets.repository import TICKETS
from hub.tickets.stats import Period

PAGE = 500


async def tickets_in(
    store: Store,
    tenant_id: str,
    period: Period,
    where: Mapping[str, Any] | None = None,
    *,
    page: int = PAGE,
    by: str = "created_at",
) -> AsyncIterator[Doc]:
    """Every ticket of the tenant whose `by` time (created_at by default; a dotted path
    for a nested one) is in [period.start, period.end) matching `where` (store equality
    filters), in `by` order, read `page` at a time."""
    cursor = iso(period.start)
    end = iso(period.end)
    seen_at_cursor: set[str] = set()
    size = page
    while True:
        found = await store.find(
            tenant_id,
            TICKETS,
            {**(where or {}), by: {"gte": cursor}},
            sort=by,
            limit=size,
        )
        fresh = [d for d in found if d["id"] not in seen_at_cursor]
        for doc in fresh:
            if _time(doc, by) >= end:
                return
            yield doc
        if len(found) < size:
            return
        last = _time(found[-1], by)
        at_last = {d["id"] for d in found if _time(d, by) == last}
        if last == cursor:  # a whole page at one time: take more at once
            seen_at_cursor |= at_last
            size *= 2
        else:
            cursor, size, seen_at_cursor = last, page, at_last


def _time(doc: Doc, path: str) -> str:
    """The ISO time at a dotted path of the document ("" when missing)."""
    value: Any = doc
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)
