"""commit_and_publish: the one write path for every ticket change.

The change and its events are stored in one store commit (the source of truth: a console
that missed the push gets it on `resume`), and only then published. A publishing failure
is logged, never raised: what is stored is not lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from hub.ports import Change, Event, Publisher, Store
from hub.tickets.events import TicketEvent
from hub.tickets.payloads import draft
from hub.tickets.ticket import Outcome

log = logging.getLogger(__name__)


class UnitOfWork:
    """Stores changes with their events, then publishes them. Used by every service."""

    def __init__(self, store: Store, publisher: Publisher) -> None:
        self.store = store
        self.publisher = publisher

    async def commit_and_publish(
        self,
        tenant_id: str,
        changes: Sequence[Change],
        events: Sequence[TicketEvent] = (),
    ) -> list[Event]:
        """Store `changes` with `events` (payloads built by `hub.tickets.payloads`), publish."""
        stored = await self.store.commit(tenant_id, changes, [draft(e) for e in events])
        try:
            await self.publisher.publish(stored)
        except Exception:  # stored: consoles get them on resume
            log.exception("publishing %d events failed", len(stored))
        return stored

    async def apply(self, tenant_id: str, outcome: Outcome) -> list[Event]:
        """Store and publish a ticket's `Outcome`; nothing when it changed nothing."""
        if not outcome.changed and not outcome.events:
            return []
        return await self.commit_and_publish(tenant_id, outcome.changes(), outcome.events)
