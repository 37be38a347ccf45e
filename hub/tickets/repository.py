"""TicketRepository: where tickets and their entries live in the store, and how to ask.

Collection names and query shapes for tickets are known here, so a rule such as "held
back tickets are not in staff lists" is one query condition in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.errors import NotFound
from hub.ports import Doc, Find, Store
from hub.tickets.model import Status

TICKETS = "tickets"
ENTRIES = "entries"
SEARCH_FIELDS = ("text", "description", "point.label", "contact.name", "contact.email")

# Tickets a console may see: never one held back by a filter (the `held` flag), nor an
# older held ticket that predates the flag (its status).
VISIBLE_TO_STAFF: Doc = {"held": {"ne": True}}
HELD = Status.quarantined.value


def recent_from_read(sender: Doc, *, since: str, statuses: Sequence[str], limit: int) -> Find:
    """The read behind `TicketRepository.recent_from`, for `Store.read_many`."""
    where = {**sender, "created_at": {"gte": since}, "status": {"in": list(statuses)}}
    return Find(TICKETS, where, sort="created_at", descending=True, limit=limit)


class TicketRepository:
    """Tickets and their entries (messages, notes, history, repeats) of every tenant."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, tenant_id: str, ticket_id: str) -> Doc:
        """One ticket of this tenant; NotFound for unknown ids and other tenants' tickets."""
        doc = await self.store.get(tenant_id, TICKETS, ticket_id)
        if doc is None:
            raise NotFound("no such ticket", field="id")
        return doc

    async def find(self, tenant_id: str, ticket_id: str) -> Doc | None:
        """One ticket of this tenant, or None."""
        return await self.store.get(tenant_id, TICKETS, ticket_id)

    async def by_thread_token(self, token: str) -> Doc:
        """The ticket behind a customer's private thread link (any tenant: the token says)."""
        doc = await self.store.lookup(TICKETS, "thread_token", token) if token else None
        if doc is None:
            raise NotFound("this conversation does not exist", field="thread_token")
        return doc

    async def entries(self, tenant_id: str, ticket_id: str, kind: str | None = None) -> list[Doc]:
        """A ticket's entries oldest first; of one kind (message, note, history, repeat)."""
        where: Doc = {"ticket_id": ticket_id}
        if kind is not None:
            where["kind"] = kind
        return await self.store.find(tenant_id, ENTRIES, where, sort="created_at")

    async def search(
        self,
        tenant_id: str,
        *,
        status: Sequence[str] = (),
        point: str | None = None,
        department: str | None = None,
        establishment: str | None = None,
        q: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Doc]:
        """Tickets newest first; `before` is a ticket number (the cursor).

        Without `status`, and for any status but `quarantined`, held-back tickets are left
        out: closing a held SOS does not make it an ordinary closed ticket.
        """
        where: dict[str, Any] = {}
        if status:
            where["status"] = {"in": list(status)}
        else:
            where["status"] = {"ne": HELD}
        if HELD not in status:
            where.update(VISIBLE_TO_STAFF)
        if point:
            where["point.code"] = point
        if department:
            where["department"] = department
        if establishment:
            where["establishment"] = establishment
        if q:
            where["$search"] = (SEARCH_FIELDS, q)
        if before is not None:
            where["number"] = {"lt": before}
        return await self.store.find(
            tenant_id, TICKETS, where, sort="number", descending=True, limit=limit
        )

    async def created_since(self, tenant_id: str, start: str, limit: int) -> list[Doc]:
        """Tickets created at or after `start` (ISO time), oldest first, at most `limit`."""
        return await self.store.find(
            tenant_id, TICKETS, {"created_at": {"gte": start}}, sort="created_at", limit=limit
        )

    async def staff_replies(self, tenant_id: str, start: str, end: str, limit: int) -> list[Doc]:
        """Staff replies written in [start, end) (ISO times), oldest first; warnings to a
        held-back sender are no replies."""
        where = {"kind": "message", "author": "staff", "created_at": {"gte": start}}
        docs = await self.store.find(tenant_id, ENTRIES, where, sort="created_at", limit=limit)
        return [d for d in docs if str(d["created_at"]) < end and not d.get("warning")]

    async def answered_since(self, tenant_id: str, start: str, limit: int) -> list[Doc]:
        """Tickets created at or after `start` that have a first answer, newest first."""
        return await self.store.find(
            tenant_id,
            TICKETS,
            {"created_at": {"gte": start}, "first_response_at": {"ne": None}},
            sort="created_at",
            descending=True,
            limit=limit,
        )

    async def message(self, tenant_id: str, message_id: str) -> Doc | None:
        """One conversation message (an entry) of this tenant, or None."""
        return await self.store.get(tenant_id, ENTRIES, message_id)

    async def set_fields(self, tenant_id: str, ticket_id: str, sets: Doc) -> Doc | None:
        """Set bookkeeping fields (routing, privacy) that no console needs to hear about."""
        return await self.store.update(tenant_id, TICKETS, ticket_id, sets)

    async def count_attachment(self, tenant_id: str, ticket: Doc, step: int) -> Doc | None:
        """Move the ticket's photo counters by `step` (+1 takes a place, -1 gives it back)
        if no one changed them since `ticket` was read; the ticket as now stored, or None."""
        count = ticket.get("attachment_count")
        stored = ticket.get("photos_stored")
        return await self.store.update_if(
            tenant_id,
            TICKETS,
            ticket["id"],
            {"attachment_count": count, "photos_stored": stored},
            {
                "attachment_count": max(0, int(count or 0) + step),
                "photos_stored": max(0, int(stored or 0) + step),
            },
        )

    # routing marks ---------------------------------------------------------------------

    async def claim_routing(self, tenant_id: str, ticket: Doc, until: str) -> Doc | None:
        """Claim a pending routing until `until`; None when another job holds it."""
        return await self.store.update_if(
            tenant_id,
            TICKETS,
            ticket["id"],
            {"route_state": "pending", "route_claim_until": ticket.get("route_claim_until")},
            {"route_claim_until": until},
        )

    async def finish_routing(self, tenant_id: str, ticket: Doc, sets: Doc) -> Doc | None:
        """Mark a routing done with nothing to send, unclaimed, in one compare-and-set: only
        while it is still pending and no job has claimed it since `ticket` was read (None
        then: that job finishes it)."""
        return await self.store.update_if(
            tenant_id,
            TICKETS,
            ticket["id"],
            {"route_state": "pending", "route_claim_until": ticket.get("route_claim_until")},
            {**sets, "route_state": "done"},
        )

    async def stuck_routings(self, tenant_id: str, requested_before: str, limit: int) -> list[Doc]:
        """Tickets whose routing was asked for before `requested_before` and never finished."""
        return await self.store.find(
            tenant_id,
            TICKETS,
            {"route_state": "pending", "route_requested_at": {"lt": requested_before}},
            limit=limit,
        )

    async def restamp_routing(self, tenant_id: str, ticket: Doc, moment: str) -> Doc | None:
        """Stamp a stuck routing as asked for again at `moment` (one sweeper wins)."""
        return await self.store.update_if(
            tenant_id,
            TICKETS,
            ticket["id"],
            {"route_state": "pending", "route_requested_at": ticket["route_requested_at"]},
            {"route_requested_at": moment},
        )

    # repeats and privacy ---------------------------------------------------------------

    async def recent_from(
        self, tenant_id: str, sender: Doc, *, since: str, statuses: Sequence[str], limit: int
    ) -> list[Doc]:
        """A sender's tickets (`sender`: a device or contact condition) created since `since`
        in one of `statuses`, newest first."""
        read = recent_from_read(sender, since=since, statuses=statuses, limit=limit)
        return await self.store.find(
            tenant_id, TICKETS, read.where, sort=read.sort, descending=True, limit=read.limit
        )

    async def unpurged_before(
        self, tenant_id: str, before: str, *, anonymous: bool, limit: int
    ) -> list[Doc]:
        """Tickets created before `before` whose identifying fields were never cleared."""
        return await self.store.find(
            tenant_id,
            TICKETS,
            {"created_at": {"lt": before}, "privacy_purged_at": None, "anonymous": anonymous},
            sort="created_at",
            limit=limit,
        )

    async def settled_with_photos(
        self, tenant_id: str, before: str, settled: Sequence[str], *, anonymous: bool, limit: int
    ) -> list[Doc]:
        """Tickets in one of the `settled` statuses, untouched since before `before`, that
        still hold photos (the privacy sweep's candidates)."""
        where = {
            "photos_stored": {"gt": 0},
            "status": {"in": list(settled)},
            "updated_at": {"lt": before},
            "anonymous": anonymous,
        }
        return await self.store.find(tenant_id, TICKETS, where, sort="updated_at", limit=limit)

    async def stored_photos(self, tenant_id: str, ticket_id: str) -> list[Doc]:
        """A ticket's attachment entries whose bytes were not deleted yet."""
        where = {"ticket_id": ticket_id, "kind": "attachment", "purged_at": None}
        return await self.store.find(tenant_id, ENTRIES, where)

    async def photo_purged(self, tenant_id: str, entry_id: str, moment: str) -> None:
        """Mark an attachment entry as deleted for privacy (its bytes are gone)."""
        await self.store.update(tenant_id, ENTRIES, entry_id, {"purged_at": moment})

    async def next_number(self, tenant_id: str) -> int:
        """The tenant's next ticket number (from 1, no gaps but for lost requests)."""
        return await self.store.next_value(tenant_id, "ticket_number")
