"""Turning tickets and replies into outbox items, and the sweeper that loses nothing.

`route_ticket` runs as a job after intake: it detects the SOS's language, translates it
(briefly: alerts should carry the translation, but never wait long for it), asks the
routing rules who gets it now and who later, stores those items and schedules them.
`deliver_reply` translates a staff reply and schedules the items the listener stored.
The sweeper re-enqueues what a lost job left behind: pending items long overdue, and
tickets whose routing was requested but never finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterable
from datetime import datetime, timedelta

from hub.alerts.thresholds import ALERTS_READ, ThresholdWatch
from hub.clock import iso, parse_iso
from hub.notify import outbox
from hub.notify.delivery import Sender
from hub.ports import BlobStore, Doc, Find, Get
from hub.tickets.model import Status
from hub.tickets.privacy import purge_forever
from hub.tickets.repository import TICKETS, TicketRepository
from hub.tickets.routing import Plan, Recipient, plan_for
from hub.tickets.ticket import Ticket
from hub.translate.service import TranslationService

log = logging.getLogger(__name__)


class DeliveryService:
    """The delivery jobs (route, reply, send), the sweeper and its lifecycle."""

    def __init__(
        self, sender: Sender, translation: TranslationService, blobs: BlobStore | None = None
    ) -> None:
        self.sender = sender
        self.blobs = blobs  # photos: the privacy sweep deletes expired ones
        self.translation = translation
        self.store = sender.store
        self.tickets = TicketRepository(sender.store)
        self.queue = sender.queue
        self.tuning = sender.tuning
        self.thresholds = ThresholdWatch(sender.store, sender.clock, sender.tuning.minute)
        self._sweeper: asyncio.Task[None] | None = None
        self._privacy: asyncio.Task[None] | None = None

    # --- jobs -------------------------------------------------------------------------

    async def send_item(self, tenant_id: str, item_id: str) -> None:
        """Job: one attempt at one outbox item (see Sender.send_item)."""
        await self.sender.send_item(tenant_id, item_id)

    async def route_ticket(self, tenant_id: str, ticket_id: str) -> None:
        """Job: language, translation, routing plan, alert and escalation items, schedule.

        What it needs is read in one trip; an SOS with nothing to send, store or count (no
        rule sends it, no translation is due, no alert counts it: most SOS) is finished
        with one compare-and-set, without a claim first (both hold only while no other job
        claimed the routing)."""
        ticket, tenant, rules, alerts = await self.store.read_many(
            tenant_id,
            [Get(TICKETS, ticket_id), Get("tenants", tenant_id), Find("rules"), ALERTS_READ],
        )
        if ticket is None or tenant is None:
            return
        if Ticket(ticket).held_back:  # routed if released (which marks it again), not before
            if ticket.get("route_state") == "pending":  # marked by an older version: the
                # sweeper would re-enqueue it every round. Only while it is still held: a
                # release meanwhile wrote its own mark, which must stand.
                held = {"status": Status.quarantined.value, "route_state": "pending"}
                await self.store.update_if(
                    tenant_id, TICKETS, ticket_id, held, {"route_state": None}
                )
            return
        if not self._claimable(ticket):
            return
        language = await self.translation.language_of(tenant, ticket)
        home = str(tenant.get("language") or "es")
        if await self._finish_quietly(tenant, ticket, language, home, rules, alerts):
            return
        ticket = await self._claim_routing(tenant_id, ticket)
        if ticket is None:
            return
        base = parse_iso(ticket.get("released_at") or ticket["created_at"])
        ticket, late = await self._translate(tenant, ticket, language, {home})
        plan = plan_for(rules, {**ticket, "language": language}, tenant, base)
        wanted = _languages(plan) | {home}
        # the languages of the alerts sent now go first: escalations are minutes away
        now = [p.language for p in plan.recipients if p.language]
        if late is None:
            ticket, late = await self._translate(tenant, ticket, language, wanted, now)
        items = self._plan_items(ticket, plan, base)
        stored = await outbox.add_items(self.store, tenant_id, items)
        stored.extend(await self._thresholds(tenant_id, ticket, alerts))
        await self.tickets.set_fields(
            tenant_id,
            ticket_id,
            {
                "route_state": "done",
                "routed_at": iso(self.sender.clock()),
                "routed_rules": list(plan.rules),
            },
        )
        for item in stored:
            await self.sender.schedule(tenant_id, item)
        if late is not None:  # the translation outlived its budget: let it land, then the rest
            await _settle(late)
            fresh = await self.tickets.find(tenant_id, ticket_id)
            if fresh is not None:
                await self.translation.translate_ticket(tenant, fresh, language, wanted)

    async def _finish_quietly(
        self,
        tenant: Doc,
        ticket: Doc,
        language: str | None,
        home: str,
        rules: list[Doc],
        alerts: list[Doc],
    ) -> bool:
        """Finish a routing that has nothing to send, store or count, in one write (True);
        False when it has (the claimed path does it) or the claim state changed meanwhile
        and the compare-and-set lost (True: the job that changed it finishes)."""
        if self.translation.would_store(tenant, ticket, language, {home}):
            return False
        base = parse_iso(ticket.get("released_at") or ticket["created_at"])
        plan = plan_for(rules, {**ticket, "language": language}, tenant, base)
        if plan.recipients or plan.escalation or self.thresholds.concerned(ticket, alerts):
            return False
        sets = {"routed_at": iso(self.sender.clock()), "routed_rules": list(plan.rules)}
        await self.tickets.finish_routing(tenant["id"], ticket, sets)
        return True

    async def _thresholds(self, tenant_id: str, ticket: Doc, alerts: list[Doc]) -> list[Doc]:
        """Count the SOS against the threshold alerts (hub/alerts); never fails the routing."""
        try:
            items = await self.thresholds.ticket_counted(tenant_id, ticket, alerts)
            if items:
                await self.sender.record_threshold(tenant_id, ticket, items[0])
            return items
        except Exception:
            log.exception("threshold alerts failed on ticket %s", ticket["id"])
            return []

    def _claimable(self, ticket: Doc) -> bool:
        """Pending, and no live claim (a claim lapses after the lease: a dead job)."""
        if ticket.get("route_state") != "pending":
            return False
        return (ticket.get("route_claim_until") or "") <= iso(self.sender.clock())

    async def _claim_routing(self, tenant_id: str, ticket: Doc) -> Doc | None:
        """One routing job at a time per ticket; a claim lapses after the lease (a dead job)."""
        if not self._claimable(ticket):
            return None
        until = iso(self.sender.clock() + timedelta(seconds=self.tuning.lease))
        return await self.tickets.claim_routing(tenant_id, ticket, until)

    async def _translate(
        self,
        tenant: Doc,
        ticket: Doc,
        language: str | None,
        targets: set[str],
        first: list[str] | None = None,
    ) -> tuple[Doc, asyncio.Task[Doc] | None]:
        """Translate within the budget (`first` languages first); past it, hand back the
        still-running task (each translation is stored as it is done: alerts sent
        meanwhile carry the ones ready)."""
        task = asyncio.ensure_future(
            self.translation.translate_ticket(tenant, ticket, language, targets, first=first or ())
        )
        done, _ = await asyncio.wait({task}, timeout=self.tuning.translate_budget)
        if task not in done:
            return {**ticket, "language": language or ticket.get("language")}, task
        try:
            return task.result(), None
        except Exception:
            log.exception("translating ticket %s failed", ticket["id"])
            return {**ticket, "language": language or ticket.get("language")}, None

    def _plan_items(self, ticket: Doc, plan: Plan, base: datetime) -> list[Doc]:
        moment = self.sender.clock()
        items = outbox.for_recipients(
            plan.recipients, ticket_id=ticket["id"], kind="alert", created_at=moment
        )
        for number, step in enumerate(plan.escalation, start=1):
            due = base + timedelta(seconds=float(step.after_minutes) * self.tuning.minute)
            items += outbox.for_recipients(
                step.recipients,
                ticket_id=ticket["id"],
                kind="escalation",
                step=number,
                created_at=moment,
                due_at=due,
            )
        return items

    async def deliver_reply(self, tenant_id: str, ticket_id: str, message_id: str) -> None:
        """Job: translate a staff reply for the customer, then send its stored items."""
        ticket = await self.tickets.find(tenant_id, ticket_id)
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        message = await self.tickets.message(tenant_id, message_id)
        if ticket is None or tenant is None or message is None:
            return
        task = asyncio.ensure_future(self.translation.translate_message(tenant, ticket, message))
        await asyncio.wait({task}, timeout=self.tuning.translate_budget)
        items = await self.store.find(
            tenant_id,
            outbox.COLLECTION,
            {"ticket_id": ticket_id, "message_id": message_id, "status": "pending"},
        )
        for item in items:
            await self.sender.schedule(tenant_id, item)
        await _settle(task)

    # --- the sweeper --------------------------------------------------------------------

    async def sweep(self, *, stale: float | None = None) -> int:
        """Re-enqueue lost work in every tenant; returns how many jobs it enqueued.

        Each re-enqueued item or ticket is stamped (its `due_at`, its `route_requested_at`)
        so that the next sweeps leave it alone for another `stale` period: a slow queue
        gets one more job, not one per sweep. At start-up `stale` is 0: whatever a crash
        left pending is taken up at once (the claims make a second job harmless).
        """
        stale = self.tuning.stale if stale is None else stale
        moment = self.sender.clock()
        now_text = iso(moment)
        bound = iso(moment - timedelta(seconds=stale))
        count = 0
        for tenant_id in await self.store.tenant_ids():
            for item in await outbox.lost_items(self.store, tenant_id, moment, stale):
                stamped = await self.store.update_if(
                    tenant_id,
                    outbox.COLLECTION,
                    item["id"],
                    {"status": "pending", "due_at": item["due_at"]},
                    {"due_at": now_text},
                )
                if stamped is not None:
                    await self._enqueue("send_item", tenant_id, item["id"])
                    count += 1
            for ticket in await self.tickets.stuck_routings(tenant_id, bound, 200):
                if (ticket.get("route_claim_until") or "") >= now_text:
                    continue  # a routing job holds it
                stamped = await self.tickets.restamp_routing(tenant_id, ticket, now_text)
                if stamped is not None:
                    await self._enqueue("route_ticket", tenant_id, ticket["id"])
                    count += 1
        return count

    async def _enqueue(self, name: str, *args: str) -> None:
        try:
            await self.queue.enqueue(name, *args)
        except Exception:
            log.exception("sweeper could not enqueue %s%r", name, args)

    async def _sweep_forever(self) -> None:
        stale: float | None = 0.0  # the first round, at start-up: everything a crash left
        while True:
            try:
                found = await self.sweep(stale=stale)
                if found and stale == 0.0:
                    # Work pending at start-up is expected (a restart, a freshly seeded demo):
                    # taking it up is the design, not a fault.
                    log.info("took up %d pending delivery job(s) at start-up", found)
                elif found:
                    log.warning("sweeper re-enqueued %d lost delivery job(s)", found)
            except Exception:  # the store may be briefly away; try again next round
                log.exception("delivery sweep failed")
            stale = None
            await asyncio.sleep(self.tuning.sweep_every)

    async def start(self) -> None:
        """Start the job queue and the periodic sweepers (in the hub process, both modes).

        Beside the outbox sweeper runs the privacy sweep (hub.tickets.privacy): every hub process
        clears expired addresses, device ids and photos, so scale-out needs no scheduled job.
        """
        await self.queue.start()
        loop = asyncio.get_running_loop()
        self._sweeper = loop.create_task(self._sweep_forever(), name="outbox-sweeper")
        self._privacy = loop.create_task(
            purge_forever(
                self.store,
                first=self.tuning.sweep_every,
                every=self.tuning.privacy_every,
                clock=self.sender.clock,
                blobs=self.blobs,
            ),
            name="privacy-sweeper",
        )

    async def stop(self) -> None:
        """Stop the sweepers (outbox, privacy), then the queue (running jobs get a short grace)."""
        for task in (self._sweeper, self._privacy):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._sweeper = self._privacy = None
        await self.queue.stop()


def _languages(plan: Plan) -> set[str]:
    people: Iterable[Recipient] = [
        *plan.recipients,
        *(r for step in plan.escalation for r in step.recipients),
    ]
    return {p.language for p in people if p.language}


async def _settle(task: Awaitable[object]) -> None:
    try:
        await task
    except Exception:
        log.exception("a background translation failed")
