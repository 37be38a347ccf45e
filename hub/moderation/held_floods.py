"""SOS held back as a flood: how many wait, grouped by network, released a network at a time.

A flood behind a hotel's Wi-Fi holds back every guest there, and the managers' e-mail
reaches nobody on shift: the consoles of that business show how many SOS wait as a flood
(`floods.held` on /staff, `{"count"}`; read again with GET /api/v1/floods/count on
every (re)connect, since it is not a stored event). Staff who blocked the flooder, or see it was
a busy evening, release all of one network's held SOS at once, oldest first, each through
the one-at-a-time release (a compare-and-set: never twice).

A group is named by its oldest held SOS's id, never by its address: the held-back page
shows no address, and this does not add one.
"""

from __future__ import annotations

import logging
from typing import Any

from hub import clock
from hub.errors import Conflicting, Invalid, NotFound
from hub.moderation.blocks import blocks_naming, matching_block, tenant_region
from hub.moderation.floods import FLOOD
from hub.ports import Doc, Find, Read, Store
from hub.realtime.publisher import Emitter, tenant_room
from hub.tickets.model import Status
from hub.tickets.repository import TICKETS
from hub.tickets.services import Actor, TicketService

log = logging.getLogger(__name__)

EVENT = "floods.held"  # on /staff: {"count": SOS of this business held back as a flood}
HELD_FLOOD = {"status": Status.quarantined.value, "quarantine_reason": FLOOD}
BLOCKED = "blocked"  # the reason intake gives a blocked sender's SOS (moderation/guard.py)
MOST_LISTED = 5000  # networks listed at most (each counted in the store, never read whole)
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
        """A held ticket was released or closed one at a time: if it was a flood's, the
        consoles' count drops (a whole network's release tells them once, at its end)."""
        if ticket.get("quarantine_reason") == FLOOD:
            await self.notice.tell(tenant_id)

    async def groups(self, tenant_id: str) -> list[dict[str, Any]]:
        """One entry per network with held flood SOS, oldest first: `ticket` (its oldest
        held SOS's id, which names the group), `count`, and the first and last numbers and
        times. Counted per network in the store, so a network whose flood began behind a
        long one is listed too, with its true count. SOS whose network the privacy sweep
        cleared are released one at a time."""
        counts = await self.store.count_by(tenant_id, TICKETS, "network", dict(HELD_FLOOD))
        networks = sorted(counts)[:MOST_LISTED]
        reads: list[Read] = []
        for network in networks:
            where = {**HELD_FLOOD, "network": network}
            reads.append(Find(TICKETS, where, sort="created_at", limit=1))
            reads.append(Find(TICKETS, where, sort="created_at", descending=True, limit=1))
        ends = await self.store.read_many(tenant_id, reads) if reads else []
        groups: list[dict[str, Any]] = []
        for i, network in enumerate(networks):
            first, last = ends[2 * i], ends[2 * i + 1]
            if not first or not last:  # all released between the count and this read
                continue
            groups.append(
                {
                    "ticket": first[0]["id"],
                    "count": counts[network],
                    "first_number": first[0].get("number"),
                    "first_at": first[0].get("created_at"),
                    "last_number": last[0].get("number"),
                    "last_at": last[0].get("created_at"),
                }
            )
        groups.sort(key=lambda g: (str(g["first_at"] or ""), int(g["first_number"] or 0)))
        return groups

    async def release_network(
        self, tenant_id: str, ticket_id: str, by: Doc, through: int | None = None
    ) -> Doc:
        """Release the held flood SOS from the network of `ticket_id` (a held flood SOS of
        this business, or one released since), oldest first, RELEASE_BATCH at most, and
        numbered `through` at most: what the page showed staff, not what arrived since.

        Each goes through `TicketService.release`: routed and pushed as if just arrived,
        and one that someone else released meanwhile is skipped, never released twice.
        One whose sender a block now names (staff blocked the flooder first, as the page
        asks) stays held, marked as a blocked sender's: `blocked` says how many.
        """
        ticket = await self.tickets.get(tenant_id, ticket_id)
        network = ticket.get("network")
        if ticket.get("quarantine_reason") != FLOOD:
            raise Invalid("this ticket was not held back as a flood", field="ticket")
        if not network:
            raise NotFound("its network is no longer kept: release them one at a time")
        where: dict[str, Any] = {**HELD_FLOOD, "network": network}
        if through is not None:
            where["number"] = {"lte": through}
        batch = await self.store.find(
            tenant_id, TICKETS, where, sort="created_at", limit=RELEASE_BATCH
        )
        batch.sort(key=lambda d: (str(d.get("created_at") or ""), int(d.get("number") or 0)))
        region = await tenant_region(self.store, tenant_id)
        blocks = await blocks_naming(self.store, tenant_id, batch, region)
        now = clock.now()
        released: list[Doc] = []
        blocked = 0
        actor = Actor.staff(by)
        for doc in batch:
            if matching_block(blocks, doc, now, region) is not None:
                kept = await self.store.update_if(
                    tenant_id, TICKETS, doc["id"], HELD_FLOOD, {"quarantine_reason": BLOCKED}
                )
                blocked += kept is not None
                continue
            try:
                done = await self.tickets.release(tenant_id, doc["id"], actor)
            except Conflicting:  # released by someone else meanwhile
                continue
            released.append({"id": done["id"], "number": done.get("number")})
        remaining = await self.store.count(tenant_id, TICKETS, where)
        await self.notice.tell(tenant_id)
        return {
            "released": released,
            "count": len(released),
            "blocked": blocked,
            "remaining": remaining,
        }
