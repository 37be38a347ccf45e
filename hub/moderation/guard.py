"""StoreGuard: the intake guard — blocked senders, bot signals, repeats and text filters.

It screens each SOS before it is numbered (accept, hold back, or merge into the same
guest's earlier ticket) and each customer thread message (accept or hold back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hub import clock
from hub.http.client_address import network_of
from hub.moderation.blocks import block_read, matching_block, sender_of
from hub.moderation.bots import bot_reason
from hub.moderation.floods import FLOOD, flood_read, flooding, from_trusted, parsed_networks
from hub.moderation.settings import config_id
from hub.phones import region_of, same_number, spellings
from hub.ports import Doc, Find, Get, Read, Store
from hub.tickets.filters import FilterConfig, nearly_same, screen_text
from hub.tickets.hooks import ACCEPT, Verdict
from hub.tickets.model import Status
from hub.tickets.repository import recent_from_read
from hub.tickets.ticket import Ticket

log = logging.getLogger(__name__)

_SETTLED = (Status.resolved.value, Status.closed.value)
REPEAT_CANDIDATES = 10  # the most recent open tickets of one sender a new SOS is compared with
KIOSK_DEVICE_PREFIX = "kiosk-"  # a kiosk's SOS carry its id as device id: see routes/intake.py
_UNSETTLED = tuple(s.value for s in Status if s.value not in _SETTLED)
# The repeat window the settings allow at most (routes/moderation.py): the sender's recent
# tickets are read with it, beside the settings, before the business's own window is known
# (newest first: those within a shorter window are the first of them).
WIDEST_REPEAT_WINDOW = 1440


def shared_device(ticket: Doc) -> bool:
    """Whether the ticket's device id is a kiosk's, which every guest in the hall shares."""
    device = str(ticket.get("device_id") or "")
    return bool(ticket.get("kiosk")) or device.startswith(KIOSK_DEVICE_PREFIX)


def repeat_identity(ticket: Doc, region: str | None) -> dict[str, str]:
    """Who wrote a ticket, as far as repeats go: their own device, e-mail and phone (E.164:
    one stored as typed before is read in the business's country `region`).

    Never the network address alone (many guests behind one hotel's NAT) nor a kiosk's id
    (every guest at that kiosk): merging on those would hand one guest another one's private
    thread. The network is kept to back up an e-mail or phone, which anyone can type.
    """
    sender = sender_of(ticket, region)
    out: dict[str, str] = {k: sender[k] for k in ("email", "phone") if k in sender}
    if sender.get("device") and not shared_device(ticket):
        out["device"] = sender["device"]
    if sender.get("ip"):
        out["network"] = network_of(sender["ip"])  # an IPv6 host's /64
    return out


def _same_sender(a: dict[str, str], b: dict[str, str]) -> bool:
    """One person: no conflicting device, e-mail or phone, and the same device or contact.

    When either has a device of their own, both must have that device. Without devices, the
    same e-mail or phone (and no other one) from the same network ties them: contact data is
    not proof of who typed it, and a stranger who knows a guest's e-mail must not be handed
    that guest's private thread.
    """
    if any(a.get(k) and b.get(k) and a[k] != b[k] for k in ("device", "email")):
        return False
    phones = a.get("phone"), b.get("phone")
    same_phone = bool(phones[0] and phones[1] and same_number(phones[0], phones[1]))
    if phones[0] and phones[1] and not same_phone:
        return False
    if a.get("device") or b.get("device"):
        return a.get("device") == b.get("device")
    same_contact = same_phone or bool(a.get("email") and a.get("email") == b.get("email"))
    return same_contact and bool(a.get("network")) and a.get("network") == b.get("network")


def _sender_fields(ticket: Doc) -> dict[str, str]:
    """The stored fields that tell this ticket's sender: their own device, else their
    e-mail and phone (see _same_sender)."""
    device = str(ticket.get("device_id") or "")
    if device and not shared_device(ticket):
        return {"device_id": device}
    contact = ticket.get("contact") or {}
    return {f"contact.{key}": str(contact[key]) for key in ("email", "phone") if contact.get(key)}


def _sender_queries(ticket: Doc) -> list[Doc]:
    """Store conditions that find this ticket's sender's earlier tickets: a phone also as
    the guest may have typed it when tickets kept it so (compared E.164 afterwards)."""
    return [
        {field: {"in": spellings(value)} if field == "contact.phone" else value}
        for field, value in _sender_fields(ticket).items()
    ]


class StoreGuard:
    """The IntakeGuard: blocked senders, bot signals, repeats, text filters and floods, per
    tenant.

    `similar` tells two texts apart for the repeat check (a counting one in tests).
    `flood_limit`: new tickets from one network within the flood window before the next
    are held back (`hub.moderation.floods`); None, as when rate limits are off, never.
    """

    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], datetime] = clock.now,
        similar: Callable[[str, str], bool] = nearly_same,
        flood_limit: int | None = None,
    ) -> None:
        self.store = store
        self.now = now
        self.similar = similar
        self.flood_limit = flood_limit

    async def _read(
        self, tenant: Doc, ticket: Doc, *reads: Read
    ) -> tuple[FilterConfig, Doc | None, list[Any]]:
        """The settings, the blocks naming the sender and `reads`, in one trip to the store."""
        tenant_id = tenant["id"]
        region = region_of(tenant.get("timezone"))
        blocks = block_read(ticket, region)
        asked: list[Read] = [Get("configs", config_id(tenant_id))]
        if blocks is not None:
            asked.append(blocks)
        answers = await self.store.read_many(tenant_id, [*asked, *reads])
        block = (
            matching_block(answers[1], ticket, self.now(), region) if blocks is not None else None
        )
        return FilterConfig.from_doc(answers[0]), block, answers[len(asked) :]

    async def screen(self, tenant: Doc, ticket: Doc) -> Verdict:
        """Merge a repeat, hold back what a filter objects to, accept the rest."""
        tenant_id = tenant["id"]
        created = clock.parse_iso(ticket.get("created_at") or clock.now_iso())
        flood = flood_read(ticket, created, self.flood_limit) if self.flood_limit else None
        config, block, recent = await self._read(
            tenant,
            ticket,
            *_recent_reads(ticket, created, WIDEST_REPEAT_WINDOW),
            *([flood] if flood is not None else []),
        )
        from_network = recent.pop() if flood is not None else []
        reason: str | None = None
        if block is not None:
            reason = "blocked"
        elif config.on("bots"):
            reason = bot_reason(ticket.get("signals"))
        if reason is None:
            reason = screen_text(ticket["text"], config, ticket.get("contact")).reason
        if config.on("repeats"):
            window = config.repeat_window_minutes
            if window > WIDEST_REPEAT_WINDOW:  # wider than the settings page allows
                recent = await self.store.read_many(
                    tenant_id, _recent_reads(ticket, created, window)
                )
            since = clock.iso(created - timedelta(minutes=window))
            found = [d for answer in recent for d in answer]
            earlier = self._earlier(ticket, found, since, region_of(tenant.get("timezone")))
            # A repeat of a held-back SOS joins it; one that a filter objects to never
            # reaches an accepted ticket (it would be pushed with it).
            if earlier is not None and (reason is None or Ticket(earlier).held_back):
                return Verdict("merge", "repeat", earlier["id"])
        # A flood counts new tickets: a guest's repeat above joins their ticket all the same.
        if reason is None and config.on("floods") and self.flood_limit:
            trusted = parsed_networks(config.trusted_networks)
            if not from_trusted(ticket, trusted) and flooding(
                from_network, self.flood_limit, trusted
            ):
                reason = FLOOD
        return Verdict("quarantine", reason) if reason else ACCEPT

    def senders(self, ticket: Doc) -> list[str]:
        """Keys naming the ticket's sender as repeats tell them (a device, else an e-mail and
        a phone): SOS sharing one are screened in turn, so a repeat sees its original. With
        a flood budget, also its network: forty SOS sent at once from one address are
        counted one after the other, not all against the same stored twenty."""
        keys = [f"{field}={value}" for field, value in _sender_fields(ticket).items()]
        if self.flood_limit and ticket.get("network"):
            keys.append(f"network={ticket['network']}")
        return keys

    async def screen_message(self, tenant: Doc, ticket: Doc, text: str) -> Verdict:
        """Hold back a thread message from a blocked sender, or one a text filter objects to."""
        config, block, _ = await self._read(tenant, ticket)
        if block is not None:
            return Verdict("quarantine", "blocked")
        reason = screen_text(text, config, ticket.get("contact")).reason
        return Verdict("quarantine", reason) if reason else ACCEPT

    def _earlier(self, ticket: Doc, found: list[Doc], since: str, region: str | None) -> Doc | None:
        """The first unsettled ticket since `since` from the same sender with nearly this
        text, among the sender's REPEAT_CANDIDATES most recent ones: bounded work per SOS."""
        sender = repeat_identity(ticket, region)
        unique = {d["id"]: d for d in found if str(d.get("created_at") or "") >= since}
        recent = sorted(unique.values(), key=lambda d: str(d.get("created_at")), reverse=True)
        candidates = [
            doc
            for doc in recent
            if doc["id"] != ticket.get("id")
            and doc.get("status") not in _SETTLED
            and _same_sender(sender, repeat_identity(doc, region))
        ][:REPEAT_CANDIDATES]
        for doc in reversed(candidates):  # the first ticket of a run of repeats collects them
            if self.similar(ticket["text"], doc["text"]):
                return doc
        return None


def _recent_reads(ticket: Doc, created: datetime, minutes: int) -> list[Find]:
    """The reads of this ticket's sender's REPEAT_CANDIDATES most recent unsettled tickets
    within `minutes` before it, one per way of telling the sender (see _sender_queries)."""
    since = clock.iso(created - timedelta(minutes=minutes))
    return [
        recent_from_read(query, since=since, statuses=_UNSETTLED, limit=REPEAT_CANDIDATES)
        for query in _sender_queries(ticket)
    ]
