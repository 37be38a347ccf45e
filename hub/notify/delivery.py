"""Sending one outbox item: claim it, check it is still wanted, render, send, record.

`send_item` is the job both runners execute (in-process, or `worker.jobs.send_item` under
RQ). It is safe to run any number of times for one item: only the run that wins the claim
sends, and a finished item is never sent again. A transient failure (provider away,
time-out, 4xx SMTP, throttling) is retried with growing waits for `retry_window` (24 h by
default, from creation or from a manager's re-send); a permanent refusal (an address the
provider rejects) and a transient one past the window leave the item `failed` with the
reason, and the ticket's history says so.

A late send is still worth it for a reply to the guest (they wait for it, however late).
An alert or an escalation about an SOS already resolved or closed is skipped: it would
only send staff to something done (an escalation already stops at acknowledgement).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from hub.accounts.kiosk_watch import OFFLINE, ONLINE
from hub.clock import iso, now, parse_iso
from hub.jobs import JobQueue
from hub.notify import outbox
from hub.notify.ack import ack_token
from hub.notify.render import Renderer
from hub.notify.transport import DeliveryFailed, Outgoing, Reconciling, Transport
from hub.phones import international, region_of
from hub.ports import Change, Conflict, Doc, Insert, Publisher, Store, Update
from hub.settings import Settings
from hub.surveys.invitations import invitation_words
from hub.tickets.events import TicketUpdated
from hub.tickets.places import with_establishment
from hub.tickets.repository import ENTRIES, TICKETS, TicketRepository
from hub.tickets.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
SYSTEM = "SOS hub"
SETTLED = ("resolved", "closed")  # an SOS no alert needs to send anyone to any more


@dataclass(frozen=True)
class DeliveryTuning:
    """Timings: claim lease, when a pending item counts as lost, backoff, escalation minute."""

    lease: float = 60.0
    stale: float = 120.0
    backoff: tuple[float, ...] = (15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
    retry_window: float = 86400.0
    minute: float = 60.0
    translate_budget: float = 3.0
    privacy_every: float = 3600.0  # the privacy sweep's period (hub.tickets.privacy)

    @property
    def send_timeout(self) -> float:
        """A transport's own time-out: a send must end well inside the claim's lease."""
        return max(1.0, min(20.0, self.lease / 3))

    @property
    def send_deadline(self) -> float:
        """The last resort around a send, should a transport's own time-out not hold."""
        return max(self.send_timeout * 2, self.lease * 0.8)

    @property
    def sweep_every(self) -> float:
        return max(0.2, min(30.0, self.stale / 4))

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryTuning:
        return cls(
            lease=settings.outbox_lease,
            stale=settings.outbox_stale,
            backoff=settings.outbox_backoff or (15.0,),
            retry_window=settings.outbox_retry_window,
            minute=settings.escalation_minute,
        )


class Sender:
    """Sends outbox items through the configured transports (None: not configured)."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        publisher: Publisher,
        queue: JobQueue,
        email: Transport | None,
        sms: Transport | None,
        tuning: DeliveryTuning,
        renderer: Renderer | None = None,
        clock: Clock = now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.publisher = publisher
        self.work = UnitOfWork(store, publisher)
        self.tickets = TicketRepository(store)
        self.queue = queue
        self.transports: dict[str, Transport | None] = {"email": email, "sms": sms}
        self.tuning = tuning
        self.renderer = renderer or Renderer()
        self.clock = clock

    async def schedule(self, tenant_id: str, item: Doc) -> None:
        """Enqueue a pending item's send for when it is due; a failure is left to the sweeper."""
        if item.get("status") != "pending":
            return
        delay = (parse_iso(item["due_at"]) - self.clock()).total_seconds()
        try:
            await self.queue.enqueue("send_item", tenant_id, item["id"], delay=max(0.0, delay))
        except Exception:  # Redis away: the item is stored; the sweeper enqueues it later
            log.exception("could not enqueue outbox item %s", item["id"])

    def can_resend(self, item: Doc) -> bool:
        """Failed, or skipped for want of a channel this hub now has a service for."""
        if not outbox.resendable(item):
            return False
        return item["status"] == "failed" or self.transports.get(item["channel"]) is not None

    async def resend(self, tenant_id: str, item: Doc, by: str) -> Doc | None:
        """A failed item (or one skipped for want of a channel now set up) sent again (a
        manager's button): pending and due now, with a new retry window, then enqueued; None
        when it can no longer be (a second click, or its channel still has no service)."""
        if not self.can_resend(item):
            return None
        again = await outbox.resend(self.store, tenant_id, item, self.clock(), by)
        if again is not None:
            await self.schedule(tenant_id, again)
        return again

    async def send_item(self, tenant_id: str, item_id: str) -> None:
        """One attempt at one item, if it is still pending, due and unclaimed."""
        item = await self.store.get(tenant_id, outbox.COLLECTION, item_id)
        if item is None or item["status"] != "pending":
            return
        moment = self.clock()
        due = parse_iso(item["due_at"])
        if due - moment > timedelta(seconds=1):
            await self.schedule(tenant_id, item)  # woken early (a sweep, a clock step)
            return
        claimed = await outbox.claim(self.store, tenant_id, item, moment, self.tuning.lease)
        if claimed is None:
            return
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if claimed["kind"] in (OFFLINE, ONLINE) and tenant is not None:
            await self._send_notice(tenant, claimed)  # about a kiosk: no ticket behind it
            return
        ticket = await self.tickets.find(tenant_id, item["ticket_id"])
        if ticket is None or tenant is None:
            await self._skip(tenant_id, claimed, outbox.TICKET_GONE, moment)
            return
        transport = await self._wanted(tenant, ticket, claimed, moment)
        if transport is not None:
            await self._transmit(tenant_id, ticket, tenant, claimed, transport)

    async def _skip(
        self, tenant_id: str, claimed: Doc, reason: str, now: datetime, counted: bool = False
    ) -> None:
        """Settle a claimed item unsent, saying why (`counted`: as an attempt)."""
        await outbox.finish(
            self.store, tenant_id, claimed, "skipped", now=now, reason=reason, count_attempt=counted
        )

    async def _send_notice(self, tenant: Doc, claimed: Doc) -> None:
        """A notice about the business itself (a kiosk's health), by e-mail."""
        transport = self.transports.get(claimed["channel"])
        if transport is None:
            await self._skip(tenant["id"], claimed, outbox.NO_TRANSPORT, self.clock(), counted=True)
            return
        await self._transmit(tenant["id"], None, tenant, claimed, transport)

    async def _wanted(
        self, tenant: Doc, ticket: Doc, claimed: Doc, moment: datetime
    ) -> Transport | None:
        """The transport to send a claimed item with; None when it was settled unsent
        (acknowledged before its escalation, no transport, over the SMS budget)."""
        tenant_id = tenant["id"]
        if claimed["kind"] in ("alert", "escalation") and ticket.get("status") in SETTLED:
            await self._skip(tenant_id, claimed, outbox.TICKET_SETTLED, moment)
            return None
        if claimed["kind"] == "escalation":
            if ticket.get("acknowledged_at"):
                await self._skip(tenant_id, claimed, outbox.ACKNOWLEDGED, moment)
                return None
            await self._record_escalation(tenant_id, ticket, claimed)
        transport = self.transports.get(claimed["channel"])
        if transport is None:
            await self._skip(tenant_id, claimed, outbox.NO_TRANSPORT, self.clock(), counted=True)
            return None
        if claimed["channel"] == "sms":
            over = await self._sms_budget_exceeded(tenant, claimed, moment)
            if over is not None:
                await self._skip(tenant_id, claimed, over, self.clock())
                return None
        return transport

    async def _transmit(
        self, tenant_id: str, ticket: Doc | None, tenant: Doc, claimed: Doc, transport: Transport
    ) -> None:
        """Render and send a claimed item once, and record how it went."""
        try:
            message = await self._render(claimed, ticket, tenant)
            if isinstance(transport, Reconciling):
                earlier = await self._accepted_before(transport, claimed, message)
                if earlier is not None:
                    await outbox.finish(
                        self.store,
                        tenant_id,
                        claimed,
                        "sent",
                        now=self.clock(),
                        answer=earlier[:1000],
                    )
                    return
                await outbox.mark_in_flight(self.store, tenant_id, claimed, self.clock())
            answer = await asyncio.wait_for(transport.send(message), self.tuning.send_deadline)
        except Exception as exc:
            await self._failed_attempt(tenant_id, ticket, claimed, _reason(exc), _permanent(exc))
            return
        done = await outbox.finish(
            self.store, tenant_id, claimed, "sent", now=self.clock(), answer=answer[:1000]
        )
        if done is None:  # the lease ran out mid-send: record it anyway, so no one resends
            log.warning("item %s was sent but its claim had lapsed", claimed["id"])
            await outbox.sent_anyway(self.store, tenant_id, claimed, self.clock(), answer[:1000])

    async def _accepted_before(
        self, transport: Reconciling, claimed: Doc, message: Outgoing
    ) -> str | None:
        """The provider's record of an earlier attempt that left no outcome, if it has one.

        Only asked when an earlier attempt started sending and never recorded how it ended
        (a worker killed mid-send, an answer lost to a time-out). When the provider cannot
        say, the item is sent: an alert twice is better than none.
        """
        started = claimed.get("in_flight_since")
        if not started:
            return None
        try:
            return await asyncio.wait_for(
                transport.accepted(message, parse_iso(started) - timedelta(minutes=5)),
                self.tuning.send_deadline,
            )
        except Exception:
            log.warning(
                "could not ask the provider about item %s; sending", claimed["id"], exc_info=True
            )
            return None

    async def _sms_budget_exceeded(self, tenant: Doc, claimed: Doc, moment: datetime) -> str | None:
        """Reserve this SMS a place in the tenant's hourly budget; the reason when none is left.

        A public QR code must not become a way to send SMS at the business's expense
        (toll fraud): past the budget, alerts are recorded as not sent, never silently lost.
        Counting only what was already sent let a burst through (every concurrent send saw
        the same count), so each SMS takes a place from a per-hour counter the store
        increments atomically, before the provider is called. A retried item keeps the place
        its first attempt took. The rolling count of sent SMS still applies, so an hour's
        turn does not double the budget.
        """
        if claimed.get("budget_slot"):
            return None  # an earlier attempt of this item already holds a place
        budget = tenant.get("sms_hourly_budget")  # 0 is a budget too: no SMS at all
        limit = outbox.DEFAULT_SMS_HOURLY_BUDGET if budget is None else int(budget)
        since = iso(moment - timedelta(hours=1))
        sent = await self.store.count(
            tenant["id"],
            outbox.COLLECTION,
            {"channel": "sms", "status": "sent", "sent_at": {"gte": since}},
        )
        if sent >= limit:
            return outbox.BUDGET_EXCEEDED.format(sent=sent, limit=limit)
        slot = outbox.budget_counter(moment)
        taken = await self.store.next_value(tenant["id"], slot)
        if taken > limit:
            return outbox.BUDGET_EXCEEDED.format(sent=max(sent, taken - 1), limit=limit)
        await self.store.update_if(
            tenant["id"],
            outbox.COLLECTION,
            claimed["id"],
            {"claimed_by": claimed["claimed_by"]},
            {"budget_slot": slot},
        )
        return None

    async def _render(self, item: Doc, ticket: Doc | None, tenant: Doc) -> Outgoing:
        if ticket is not None:  # stored without an establishment: its point's is named
            ticket = await with_establishment(self.store, tenant["id"], ticket)
        if ticket is None:
            words = self.renderer.kiosk_notice(
                item, tenant, kiosks_url=self.settings.public("/admin/kiosks")
            )
        elif item["kind"] == "auto_block":
            words = self.renderer.auto_block(
                item,
                ticket,
                tenant,
                held_url=self.settings.public("/held-back"),
                blocks_url=self.settings.public("/admin/filters"),
            )
        elif item["kind"] == "flood":  # hub/moderation/floods.py
            words = self.renderer.flood(
                item, ticket, tenant, held_url=self.settings.public("/held-back")
            )
        elif item["kind"] == "survey":  # hub/surveys/invitations.py
            words = invitation_words(
                self.renderer,
                item,
                ticket,
                tenant,
                secret=self.settings.secret_key,
                public=self.settings.public,
            )
        elif item["kind"] == "threshold":
            fire = item.get("fire") or {}
            query = f"?point={quote(str(fire['point']))}" if fire.get("point") else ""
            words = self.renderer.threshold(
                item,
                tenant,
                console_url=self.settings.public(f"/console{query}"),
                ticket_url=self.settings.public("/console?ticket={id}"),
            )
        elif item["kind"] == "detractor":
            words = self.renderer.detractor(
                item,
                ticket,
                tenant,
                open_url=self.settings.public(f"/console?ticket={ticket['id']}"),
            )
        elif item["kind"] == "reply":
            message = await self.tickets.message(tenant["id"], item.get("message_id") or "")
            if message is None:
                raise LookupError("the reply no longer exists")
            words = self.renderer.reply(
                item,
                ticket,
                tenant,
                message,
                thread_url=self.settings.public(f"/t/{ticket['thread_token']}"),
            )
        else:
            token = ack_token(self.settings.secret_key, tenant["id"], item["id"])
            words = self.renderer.alert(
                item,
                ticket,
                tenant,
                ack_url=self.settings.public(f"/ack/{token}"),
                open_url=self.settings.public(f"/console?ticket={ticket['id']}"),
            )
        sender = None
        to = item["to"]
        if item["channel"] == "sms":
            sender = str(tenant.get("sms_from") or self.settings.vonage_from)
            # a number stored as typed before numbers were kept international (a rule's
            # "600111222", a guest's): read in the business's country, not as +60
            to = international(to, region_of(tenant.get("timezone"))) or to
        return Outgoing(
            channel=item["channel"],
            to=to,
            text=words.text,
            subject=words.subject,
            html=words.html,
            sender=sender,
            reference=item["id"],
        )

    async def _failed_attempt(
        self, tenant_id: str, ticket: Doc | None, claimed: Doc, reason: str, permanent: bool
    ) -> None:
        """Retry a transient failure later (growing waits) while its window lasts; else fail."""
        attempts = int(claimed.get("attempts") or 1)
        wait = self.tuning.backoff[min(attempts - 1, len(self.tuning.backoff) - 1)]
        moment = self.clock()
        since = parse_iso(claimed.get("retry_from") or claimed["created_at"])
        window_over = moment + timedelta(seconds=wait) > since + timedelta(
            seconds=self.tuning.retry_window
        )
        if permanent or window_over:
            done = await outbox.finish(
                self.store, tenant_id, claimed, "failed", now=self.clock(), reason=reason
            )
            if done is not None and ticket is not None:  # a notice has no history to write
                await self._record_failure(tenant_id, ticket, done)
            return
        retry = await outbox.retry_later(
            self.store,
            tenant_id,
            claimed,
            reason=reason,
            due_at=moment + timedelta(seconds=wait),
        )
        if retry is not None:
            await self.schedule(tenant_id, retry)

    async def _history(self, tenant_id: str, ticket: Doc, entry: Doc, sets: Doc) -> bool:
        """Store one history entry (its id makes it once-only) and push the ticket.

        The pushed ticket is read again first: `ticket` may be minutes old (an escalation),
        and an older status must not reach the screens with a newer seq.
        """
        current = await self.tickets.find(tenant_id, ticket["id"]) or ticket
        doc = {**current, **sets}
        changes: list[Change] = [Insert(ENTRIES, entry), Update(TICKETS, ticket["id"], sets)]
        try:
            await self.work.commit_and_publish(tenant_id, changes, [TicketUpdated(doc)])
        except Conflict:
            return False  # another item of the same step wrote it first
        return True

    async def _record_escalation(self, tenant_id: str, ticket: Doc, item: Doc) -> None:
        step = int(item.get("step") or 0)
        same_step = await self.store.find(
            tenant_id,
            outbox.COLLECTION,
            {"ticket_id": ticket["id"], "kind": "escalation", "step": step},
        )
        who = ", ".join(sorted({str(d.get("name") or d["to"]) for d in same_step})) or item["to"]
        moment = iso(self.clock())
        entry = _entry(
            f"escalated.{ticket['id']}.{step}",
            ticket["id"],
            "escalated",
            f"step {step}",
            who,
            moment,
        )
        await self._history(
            tenant_id,
            ticket,
            entry,
            {
                "escalated_step": max(step, int(ticket.get("escalated_step") or 0)),
                "escalated_at": moment,
            },
        )

    async def record_threshold(self, tenant_id: str, ticket: Doc, item: Doc) -> None:
        """The SOS that completed a threshold alert's burst says so in its history, pushed
        live (`ticket.updated`), so the consoles see the alert fired (once per fire)."""
        fire = item.get("fire") or {}
        what = f"{fire.get('found')} SOS / {fire.get('minutes')} min"
        entry = _entry(
            f"threshold.{ticket['id']}.{fire.get('alert_id')}",
            ticket["id"],
            "threshold",
            str(fire.get("name") or ""),
            what,
            iso(self.clock()),
        )
        await self._history(tenant_id, ticket, entry, {"threshold_alerted_at": entry["created_at"]})

    async def _record_failure(self, tenant_id: str, ticket: Doc, item: Doc) -> None:
        moment = iso(self.clock())
        what = f"{item['channel']} {item.get('name') or ''} <{item['to']}>: {item.get('reason')}"
        entry = _entry(
            f"delivery_failed.{item['id']}",
            ticket["id"],
            "delivery_failed",
            item["kind"],
            what[:500],
            moment,
        )
        fresh = await self.tickets.find(tenant_id, ticket["id"]) or ticket
        await self._history(
            tenant_id,
            fresh,
            entry,
            {"delivery_failures": int(fresh.get("delivery_failures") or 0) + 1},
        )


def _entry(id: str, ticket_id: str, action: str, old: str, new: str, moment: str) -> Doc:
    return {
        "id": id,
        "ticket_id": ticket_id,
        "kind": "history",
        "action": action,
        "from": old,
        "to": new,
        "by": SYSTEM,
        "by_id": None,
        "created_at": moment,
    }


def _permanent(exc: BaseException) -> bool:
    """Whether trying again cannot help: the provider refused for good, or the reply to
    send is gone. Anything unknown is transient: retrying beats losing an alert."""
    if isinstance(exc, DeliveryFailed):
        return exc.permanent
    return isinstance(exc, LookupError)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return outbox.PROVIDER_TIMEOUT
    text = str(exc) or type(exc).__name__
    return text[:500]
