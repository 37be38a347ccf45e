"""Replaying stored events: a console's `resume`, and healing after a pub/sub gap.

The store is the source of truth; these read it in pages, oldest first, so a replay
costs one query per page whatever happened while a client (or an instance) was deaf.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from hub.clock import iso
from hub.ports import Event, Store

REPLAY_PAGE = 500


async def staff_events(
    store: Store, tenant_id: str, since: int, until: int | None = None
) -> AsyncIterator[Event]:
    """The tenant's console events with `since < seq <= until`, in seq order."""
    while True:
        events = await store.events_after(tenant_id, since, REPLAY_PAGE)
        for event in events:
            if until is not None and event.seq > until:
                return
            if event.staff is not None:
                yield event
        if len(events) < REPLAY_PAGE:
            return
        since = events[-1].seq


async def seq_before(store: Store, tenant_id: str, moment: float) -> int:
    """The seq of the tenant's last event stored before `moment` (epoch seconds), or 0.

    Walks the seq index from the newest end, so it stays cheap for a long history.
    """
    text = iso(datetime.fromtimestamp(moment, UTC))
    last = await store.find(
        tenant_id, "events", {"created_at": {"lt": text}}, sort="seq", descending=True, limit=1
    )
    return int(last[0]["seq"]) if last else 0
