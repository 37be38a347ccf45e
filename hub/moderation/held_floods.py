"""SOS held back as a flood: how many wait, grouped by network, released a network at a time.

A flood behind a hotel's Wi-Fi holds back every guest there, and the managers' e-mail
reaches nobody on shift: the consoles of that business show how many SOS wait as a flood
(`floods.held` on /staff, `{"count"}`; read again with GET /api/v1/floods on every
(re)connect, since it is not a stored event). Staff who blocked the flooder, or see it was
a busy evening, release all of one network's held SOS at once, oldest first, each through
the one-at-a-time release (a compare-and-set: never twice).

A group is named by its oldest held SOS's id, never by its address: the held-back page
shows no address, and this does not add one.
"""

from __future__ import annotations

import logging
from typing import Any

from hub.errors import Conflicting, Invalid, NotFound
from hub.moderation.floods import FLOOD
from hub.ports import Doc, Store
from hub.realtime.publisher import Emitter, tenant_room
from hub.tickets.model import Status
from hub.tickets.repository import TICKETS
from hub.tickets.services import Actor, TicketService

log = logging.getLogger(__name__)

EVENT = "floods.held"  # on /staff: {"count": SOS of this business held back as a flood}
HELD_FLOOD = {"status": Status.quarantined.value, "quarantine_reason": FLOOD}
MOST_LISTED = 5000  # held flood SOS read to group them (a page shows their networks)
RELEASE_BATCH = 200  # released per request; the page asks again while some remain


class FloodNotice:
    """How many SOS wait as a flood, told to one business's consoles (never another's)."""

    def __init__(self, store: Store, sio: Emitter) -> None:
        self.store = store
        self.sio = sio

    async def count(self, tenant_id: str) -> int:
        """How many of the business's SOS are held back as a flood now."""
        return await self.store.count(tenant_id, TICKETS, dict(HELD_FLOOD))

    async def tell(self, tenant_id: str) -> None:
        """Emit `floods.held` with the count to the business's /staff room."""
        try:
            count = await self.count(tenant_id)
            await self.sio.emit(
                EVENT, {"count": count}, room=tenant_room(tenant_id), namespace="/staff"
            )
        except Exception:  # a notice: the SOS are stored and held whatever happens here
            log.exception("could not tell the consoles of a flood")


class HeldFloods:
    """The held flood SOS of a business: counted, grouped by network, released per network."""

    def __init__(self, store: Store, tickets: TicketService, notice: FloodNotice) -> None:
        self.store = store
        self.tickets = tickets
        self.notice = notice

    async def count(self, tenant_id: str) -> int:
        return await self.notice.count(tenant_id)

    async def released(self, tenant_id: str, ticket: Doc) -> None:
        """A ticket was released one at a time: if it was a flood's, the consoles' count
        drops (a whole network's release tells them once, at its end)."""
        if ticket.get("quarantine_reason") == FLOOD and ticket.get("released_at"):
            await self.notice.tell(tenant_id)

    async def groups(self, tenant_id: str) -> list[dict[str, Any]]:
        """One entry per network with held flood SOS, oldest first: `ticket` (its oldest
        held SOS's id, which names the group), `count`, and the first and last numbers and
        times. SOS whose network the privacy sweep cleared are released one at a time."""
        found = await self.store.find(
            tenant_id, TICKETS, dict(HELD_FLOOD), sort="created_at", limit=MOST_LISTED
        )
        groups: dict[str, dict[str, Any]] = {}
        for doc in found:
            network = doc.get("network")
            if not network:
                continue
            group = groups.get(network)
            if group is None:
                groups[network] = {
                    "ticket": doc["id"],
                    "count": 1,
                    "first_number": doc.get("number"),
                    "first_at": doc.get("created_at"),
                    "last_number": doc.get("number"),
                    "last_at": doc.get("created_at"),
                }
                continue
            group["count"] += 1
            group["last_number"] = doc.get("number")
            group["last_at"] = doc.get("created_at")
        return list(groups.values())

    async def release_network(self, tenant_id: str, ticket_id: str, by: Doc) -> Doc:
        """Release the held flood SOS from the network of `ticket_id` (a held flood SOS of
        this business, or one released since), oldest first, RELEASE_BATCH at most.

        Each goes through `TicketService.release`: routed and pushed as if just arrived,
        and one that someone else released meanwhile is skipped, never released twice.
        """
        ticket = await self.tickets.get(tenant_id, ticket_id)
        network = ticket.get("network")
        if ticket.get("quarantine_reason") != FLOOD:
            raise Invalid("this ticket was not held back as a flood", field="ticket")
        if not network:
            raise NotFound("its network is no longer kept: release them one at a time")
        where = {**HELD_FLOOD, "network": network}
        batch = await self.store.find(
            tenant_id, TICKETS, where, sort="created_at", limit=RELEASE_BATCH
        )
        batch.sort(key=lambda d: (str(d.get("created_at") or ""), int(d.get("number") or 0)))
        released: list[Doc] = []
        actor = Actor.staff(by)
        for doc in batch:
            try:
                done = await self.tickets.release(tenant_id, doc["id"], actor)
            except Conflicting:  # released by someone else meanwhile
                continue
            released.append({"id": done["id"], "number": done.get("number")})
        remaining = await self.store.count(tenant_id, TICKETS, where)
        await self.notice.tell(tenant_id)
        return {"released": released, "count": len(released), "remaining": remaining}
