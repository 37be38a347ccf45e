"""Insult strikes: a sender held back for insults three times within 30 days is blocked.

The source documents: an insulting message gets a private warning; if the sender insists,
they are barred ("según trascendencia, se veta al usuario") and the company is told. Here a
"strike" is an SOS or a thread message the offensive filter held back (`Ticket.admit`,
`Ticket.customer_writes` mark it on the ticket). On the third within the window the
sender's own identifiers are blocked (their device unless a kiosk's, their e-mail and
phone: never a network address, which a whole hotel shares), so their next messages are
held back as blocked, never lost; and the business's managers are told.

Strikes are counted from the sender's tickets themselves, so the privacy sweep that clears
device ids after the retention period also ends what they count towards. A phone is compared
E.164: a ticket stored before phones were kept so ("600 111 222") is found by the usual
spellings of the number and read in the business's country (hub/phones.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from hub import clock
from hub.clock import new_id
from hub.errors import Invalid
from hub.moderation.blocks import add_block, find_block, ticket_block_value
from hub.moderation.guard import shared_device
from hub.phones import comparable, region_of, same_number, spellings
from hub.ports import Doc, Store
from hub.tickets.repository import ENTRIES, TICKETS
from hub.tickets.ticket import INSULT

log = logging.getLogger(__name__)

STRIKES = 3
WINDOW_DAYS = 30
BLOCK_HOURS = 30 * 24.0  # an automatic block lasts 30 days; a manager may lift or renew it
SYSTEM = {"name": "SOS hub"}
NOTE = "automatic: held back for insults 3 times within 30 days"
PER_IDENTIFIER = 50  # the most recent tickets looked at per identifier (bounded work)

# Told after the blocks are stored: (tenant, ticket, blocks) -> None (the outbox, in the app).
TellManagers = Callable[[Doc, Doc, list[Doc]], Awaitable[object]]


def own_identifiers(ticket: Doc) -> dict[str, str]:
    """The identifiers that are the sender's alone: e-mail, phone, and their own device."""
    out: dict[str, str] = {}
    for kind in ("email", "phone", "device"):
        if kind == "device" and shared_device(ticket):
            continue  # every guest at a kiosk shares its device id
        value = ticket_block_value(kind, ticket)
        if value:
            out[kind] = value
    return out


_FIELDS = {"email": "contact.email", "phone": "contact.phone", "device": "device_id"}


class InsultStrikes:
    """A TicketListener: counts a held-back sender's insults and blocks on the third."""

    def __init__(
        self,
        store: Store,
        tell_managers: TellManagers | None = None,
        *,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.store = store
        self.tell_managers = tell_managers
        self.now = now

    async def ticket_held(self, tenant: Doc, ticket: Doc) -> None:
        if ticket.get("quarantine_reason") == INSULT:
            await self.strike(tenant, ticket)

    async def message_held(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        if message.get("held_reason") == INSULT:
            await self.strike(tenant, ticket)

    async def ticket_accepted(self, tenant: Doc, ticket: Doc) -> None:
        """Not a strike."""

    async def ticket_detractor(self, tenant: Doc, ticket: Doc) -> None:
        """Not a strike."""

    async def staff_replied(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Not a strike."""

    async def ticket_acknowledged(self, tenant: Doc, ticket: Doc) -> None:
        """Not a strike."""

    async def category_changed(self, tenant: Doc, ticket: Doc) -> None:
        """Not a strike."""

    async def count(
        self, tenant_id: str, ticket: Doc, since: str, region: str | None = None
    ) -> int:
        """The sender's insults held back since `since`, over every ticket of theirs (a
        phone read in the business's country `region` when stored as typed)."""
        seen: dict[str, Doc] = {ticket["id"]: ticket}
        for kind, value in own_identifiers(ticket).items():
            phone = comparable(value, region) if kind == "phone" else ""
            wanted: object = {"in": spellings(phone)} if phone.startswith("+") else value
            where = {_FIELDS[kind]: wanted, "last_insult_at": {"gte": since}}
            for doc in await self.store.find(
                tenant_id,
                TICKETS,
                where,
                sort="last_insult_at",
                descending=True,
                limit=PER_IDENTIFIER,
            ):
                if not phone or _same_phone(doc, phone, region):
                    seen.setdefault(doc["id"], doc)
        return sum(
            sum(1 for moment in doc.get("insults") or () if str(moment) >= since)
            for doc in seen.values()
        )

    async def strike(self, tenant: Doc, ticket: Doc) -> list[Doc]:
        """Count this insult; on the third within the window block the sender. The blocks."""
        identifiers = own_identifiers(ticket)
        if not identifiers:
            return []  # only shared identifiers: blocking would hold back other guests
        moment = self.now()
        since = clock.iso(moment - timedelta(days=WINDOW_DAYS))
        tenant_id = tenant["id"]
        region = region_of(tenant.get("timezone"))
        if await self.count(tenant_id, ticket, since, region) < STRIKES:
            return []
        if await find_block(self.store, tenant_id, ticket, moment) is not None:
            return []  # blocked already: nothing new to do or to tell
        blocks: list[Doc] = []
        for kind, value in identifiers.items():
            try:
                blocks.append(
                    await add_block(
                        self.store,
                        tenant_id,
                        kind,
                        value,
                        by=SYSTEM,
                        expires_in_hours=BLOCK_HOURS,
                        note=NOTE,
                        ticket=ticket,
                    )
                )
            except Invalid:  # a malformed e-mail or phone typed by the sender: the rest holds
                log.warning("could not block %s of ticket %s", kind, ticket["id"])
        if not blocks:
            return []
        await self.store.insert(tenant_id, ENTRIES, _history(ticket, blocks, moment))
        if self.tell_managers is not None:
            await self.tell_managers(tenant, ticket, blocks)
        return blocks


def _same_phone(doc: Doc, phone: str, region: str | None) -> bool:
    """Whether a stored ticket carries this phone (`comparable` form), however typed."""
    stored = str((doc.get("contact") or {}).get("phone") or "")
    return bool(stored) and same_number(comparable(stored, region), phone)


def _history(ticket: Doc, blocks: list[Doc], moment: datetime) -> Doc:
    """The ticket's history line: who blocked the sender, and by what."""
    return {
        "id": new_id(),
        "ticket_id": ticket["id"],
        "kind": "history",
        "action": "auto_blocked",
        "from": None,
        "to": ", ".join(sorted(b["kind"] for b in blocks)),
        "by": SYSTEM["name"],
        "by_id": None,
        "created_at": clock.iso(moment),
    }
