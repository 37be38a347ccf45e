"""DeliveryListener: the TicketListener that turns ticket events into delivery work.

It runs inside the request that stored the change, so it only writes small durable marks
(reply items; a routing mark only when the ticket's own commit lacked one) and enqueues
jobs; detection, translation and sending happen in those jobs. Whatever it fails to
enqueue, the sweeper finds from the marks.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime

from hub.alerts.detractor import detractor_items
from hub.alerts.thresholds import ThresholdWatch
from hub.clock import iso, parse_iso
from hub.jobs import JobQueue
from hub.notify import outbox
from hub.notify.delivery import Clock
from hub.notify.sms import phone_number
from hub.ports import Doc, Store
from hub.tickets.model import held_back
from hub.tickets.repository import TicketRepository
from hub.tickets.routing import plan_for
from hub.tickets.ticket import route_mark

log = logging.getLogger(__name__)
_EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[^@\s<>,;\"']{1,255}\.[^@\s<>,;\"']{1,63}$")


def reply_items(ticket: Doc, message: Doc, tenant: Doc, moment: datetime) -> list[Doc]:
    """Items for a staff reply: by e-mail and/or SMS to a customer who left contact data."""
    contact = ticket.get("contact") or {}
    if ticket.get("anonymous") or not contact:
        return []
    language = str(ticket.get("language") or tenant.get("language") or "es")
    name = str(contact.get("name") or "")
    items: list[Doc] = []
    for channel, raw in (("email", contact.get("email")), ("sms", contact.get("phone"))):
        if not raw:
            continue
        to = str(raw).strip()
        valid = _EMAIL.match(to) if channel == "email" else phone_number(to)
        item = outbox.new_item(
            ticket_id=ticket["id"],
            channel=channel,
            to=to,
            name=name,
            language=language,
            kind="reply",
            created_at=moment,
            source_id=message["id"],
            message_id=message["id"],
        )
        if not valid:
            item.update(status="skipped", reason=outbox.BAD_ADDRESS.format(to=to))
        items.append(item)
    return items


class DeliveryListener:
    """Routing on accepted SOS, replies to customers, escalations stopped on acknowledgement."""

    def __init__(self, store: Store, queue: JobQueue, clock: Clock, minute: float = 60.0) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.thresholds = ThresholdWatch(store, clock, minute)
        self._pending: set[asyncio.Task[None]] = set()

    async def _enqueue(self, name: str, *args: str) -> None:
        """Hand the job to the queue without making the customer's request wait for it.

        A Redis that hangs would otherwise hold every SOS for its socket timeout; the
        work is already marked in the store, so the sweeper catches up whatever fails here.
        """
        task = asyncio.create_task(self._enqueue_now(name, *args))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _enqueue_now(self, name: str, *args: str) -> None:
        try:
            await self.queue.enqueue(name, *args)
        except Exception:  # the mark is stored: the sweeper enqueues it later
            log.exception("could not enqueue %s%r", name, args)

    async def drain(self, grace: float = 5.0) -> None:
        """At shutdown: let enqueues in flight finish (bounded), then drop the rest."""
        if not self._pending:
            return
        _done, late = await asyncio.wait(set(self._pending), timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)

    async def ticket_accepted(self, tenant: Doc, ticket: Doc) -> None:
        """Let a job route the ticket; its routing mark was stored with it (else: mark it now).

        Intake and release write `route_state: pending` in the ticket's own commit, so a
        crash before this call leaves a mark the sweeper finds at start-up and routes.
        """
        if ticket.get("route_state") != "pending" or not ticket.get("route_requested_at"):
            await TicketRepository(self.store).set_fields(
                tenant["id"], ticket["id"], route_mark(iso(self.clock()))
            )
        await self._enqueue("route_ticket", tenant["id"], ticket["id"])

    async def staff_replied(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Store reply items for a reachable customer; a job translates and sends them."""
        items = reply_items(ticket, message, tenant, self.clock())
        if items:
            await outbox.add_items(self.store, tenant["id"], items)
        await self._enqueue("deliver_reply", tenant["id"], ticket["id"], message["id"])

    async def ticket_acknowledged(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing to send; the ladder's waiting steps are marked skipped at once."""
        waiting = await self.store.find(
            tenant["id"],
            outbox.COLLECTION,
            {"ticket_id": ticket["id"], "kind": "escalation", "status": "pending"},
        )
        for item in waiting:
            await outbox.skip_pending(self.store, tenant["id"], item, outbox.ACKNOWLEDGED)

    async def category_changed(self, tenant: Doc, ticket: Doc) -> None:
        """Rules that name a category route on the staff's category, never on the text's
        suggestion: so when staff confirm or change it, those rules are asked again, as of
        the SOS's arrival, and each newly matching recipient gets the alert once (an item's
        id is what it is: one already alerted, at intake or by an earlier category, is not
        alerted again, and intake routing running meanwhile stores the same ids). Escalation
        ladders stay those of intake; a held-back SOS reaches no one."""
        if held_back(ticket):
            return
        rules = [
            r
            for r in await self.store.find(tenant["id"], "rules")
            if (r.get("match") or {}).get("categories")
        ]
        base = parse_iso(str(ticket.get("released_at") or ticket["created_at"]))
        plan = plan_for(rules, ticket, tenant, base)
        moment = self.clock()
        items = outbox.for_recipients(
            plan.recipients, ticket_id=ticket["id"], kind="alert", created_at=moment
        )
        for item in await outbox.add_new_items(self.store, tenant["id"], items):
            await self._enqueue("send_item", tenant["id"], item["id"])
        if plan.rules:
            routed = list(dict.fromkeys([*(ticket.get("routed_rules") or []), *plan.rules]))
            await TicketRepository(self.store).set_fields(
                tenant["id"], ticket["id"], {"routed_rules": routed}
            )
        # A category may complete a threshold alert's window that intake could not see.
        for item in await self.thresholds.ticket_counted(tenant["id"], ticket):
            await self._enqueue("send_item", tenant["id"], item["id"])

    async def ticket_held(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing to route or send: a held-back SOS reaches no one until released."""

    async def message_held(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Nothing to send: a held-back message reaches no one."""

    async def ticket_detractor(self, tenant: Doc, ticket: Doc) -> None:
        """A bad survey answer reopened the ticket: its rules' recipients are told, once."""
        for item in await detractor_items(self.store, tenant, ticket, self.clock()):
            await self._enqueue("send_item", tenant["id"], item["id"])
