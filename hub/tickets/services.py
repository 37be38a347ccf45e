"""Ticket use cases: submit an SOS, acknowledge, change, reply, note, customer answers.

Each use case loads the ticket (`TicketRepository`), asks the `Ticket` what the change
means (`hub.tickets.ticket`), and stores the outcome with its events through the one write
path (`UnitOfWork.commit_and_publish`); listeners (routing, delivery) are told afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from hub.clock import new_id, new_secret, now_iso
from hub.errors import Conflicting, Invalid, NotFound
from hub.phones import international, region_of
from hub.ports import Doc, Publisher, SenderTurns, Store
from hub.tickets.etiquette import detect as detect_steps
from hub.tickets.hooks import ACCEPT, IntakeGuard, TicketListener, Verdict
from hub.tickets.model import (
    NAME_MAX,
    RATINGS,
    SURVEY_COMMENT_MAX,
    Status,
    attachment_json,
    clean_line,
    clean_text,
    customer_message_json,
    history_json,
    message_json,
    note_json,
    repeat_json,
    shown_to_staff,
    staff_attachments_path,
    staff_ticket,
)
from hub.tickets.places import with_establishment, with_establishments
from hub.tickets.repository import TicketRepository
from hub.tickets.targets import reply_due_at
from hub.tickets.ticket import CUSTOMER, KEEP, Actor, Outcome, Ticket
from hub.tickets.triage_settings import TriageSettings
from hub.tickets.unit_of_work import UnitOfWork
from hub.turns import LocalTurns

__all__ = ["CUSTOMER", "Actor", "TicketService"]

log = logging.getLogger(__name__)

DetectLanguage = Callable[[str, Doc], Awaitable[str | None]]


class TicketService:
    """The ticket use cases, bound to a store and a publisher."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        *,
        guard: IntakeGuard | None = None,
        listeners: Sequence[TicketListener] = (),
        detect: DetectLanguage | None = None,
        triage: TriageSettings | None = None,
        turns: SenderTurns | None = None,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.repo = TicketRepository(store)
        self.work = UnitOfWork(store, publisher)
        self.detect = detect
        self.guard = guard
        self.listeners = list(listeners)
        self.triage = triage or TriageSettings(store)
        self.turns: SenderTurns = turns or LocalTurns()

    async def _tell(self, what: str, *args: Any) -> None:
        for listener in self.listeners:
            handler = getattr(listener, what, None)
            if handler is None:  # a listener hears only what it cares about
                continue
            try:
                await handler(*args)
            except Exception:  # routing or delivery trouble never fails the request
                log.exception("listener %r failed on %s", listener, what)

    async def _screen(self, tenant: Doc, doc: Doc) -> Verdict:
        if self.guard is None:
            return ACCEPT
        try:
            return await self.guard.screen(tenant, doc)
        except Exception:  # a broken filter must not lose an SOS: let it through
            log.exception("intake guard failed; accepting ticket")
            return ACCEPT

    async def _tenant(self, tenant_id: str) -> Doc:
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is None:
            raise NotFound("no such tenant", field="tenant")
        return tenant

    async def _store(self, tenant_id: str, outcome: Outcome) -> Doc:
        """Store and publish an outcome, then tell the listeners what it means."""
        await self.work.apply(tenant_id, outcome)
        return await self._announce(tenant_id, outcome)

    async def _announce(self, tenant_id: str, outcome: Outcome) -> Doc:
        """Tell the listeners what a stored outcome means (routing, delivery, strikes)."""
        doc = outcome.ticket
        if outcome.accepted or outcome.acknowledged:
            tenant = await self._tenant(tenant_id)
            if outcome.accepted:
                await self._tell("ticket_accepted", tenant, doc)
            if outcome.acknowledged:
                await self._tell("ticket_acknowledged", tenant, doc)
        return doc

    async def submit_sos(
        self,
        tenant: Doc,
        point: Doc,
        *,
        text: str,
        anonymous: bool,
        contact: Doc | None = None,
        language: str | None = None,
        origin: Doc | None = None,
        kiosk: Doc | None = None,
        department: str | None = None,
    ) -> Doc:
        """Screen a customer's SOS, then store it: a new ticket (pushed unless held back) or a
        repeat merged into the same sender's earlier ticket.

        From a kiosk, `kiosk` is the kiosk and `department` the one the customer picked
        (default: the access point's).
        """
        text = clean_text(text)
        contact = _clean_contact(contact, tenant.get("timezone")) if not anonymous else None
        doc: Doc = {
            "id": new_id(),
            "number": None,
            "status": Status.new.value,
            "text": text,
            "language": language or None,
            "translations": {},
            "anonymous": bool(anonymous),
            "contact": contact,
            "point": {"code": point["code"], "label": point["label"]},
            "department": department or point.get("department"),
            "establishment": point.get("establishment"),
            "establishment_name": point.get("establishment_name"),  # for alerts: staff know names
            "source": "kiosk" if kiosk or point.get("kind") == "kiosk" else "qr",
            "category": None,
            "assignee": None,
            "description": None,
            "thread_token": new_secret(24),
            "created_at": now_iso(),
            "updated_at": None,
            "acknowledged_at": None,
            "first_response_at": None,
            "resolved_at": None,
            "closed_at": None,
            "message_count": 0,
            "repeat_count": 0,
            "quarantine_reason": None,
        }
        if kiosk is not None:
            doc["kiosk"] = {"id": kiosk["id"], "name": kiosk["name"]}
        if origin:
            keep = ("device_id", "ip", "network", "signals", "language_explicit")
            doc.update({k: origin[k] for k in keep if origin.get(k)})
        # The language is known before the first push, so consoles are not sent the ticket
        # twice. The detector (another process) answers while this one screens, numbers and
        # classifies the SOS: the push waits for the longer of the two, not for both.
        detecting = self._detecting(text, tenant, doc)
        try:
            if detecting is not None:
                await asyncio.sleep(0)  # its request goes out now: the guard's reads never yield
            # One sender's SOS in turn, from the screen to the commit: five taps on "send"
            # are one ticket with four repeats, not five tickets (hub.turns).
            async with self.turns.turn(self._senders(tenant["id"], doc)):
                outcome, held = await self._admit(tenant, doc, detecting)
                await self.work.apply(tenant["id"], outcome)
        finally:
            _drop(detecting)  # taken by now, unless the request ended before
        stored = await self._announce(tenant["id"], outcome)
        if held:
            await self._tell("ticket_held", tenant, stored)
        return stored

    async def _admit(
        self, tenant: Doc, doc: Doc, detecting: asyncio.Task[str | None] | None
    ) -> tuple[Outcome, str | None]:
        """What becomes of a screened SOS: a repeat merged into its sender's earlier ticket,
        or a new ticket, numbered and classified (with why it is held back, if it is)."""
        verdict = await self._screen(tenant, doc)
        if verdict.action == "merge" and verdict.merge_into:
            original = await self.repo.find(tenant["id"], verdict.merge_into)
            if original is not None:  # a repeat keeps no language: its detection is dropped
                return Ticket(original).merge_repeat(doc), None
        doc["number"] = await self.repo.next_number(tenant["id"])
        held = (verdict.reason or "filtered") if verdict.action == "quarantine" else None
        suggested = await self._suggest(tenant, doc["text"])
        await self._detected(doc, detecting)
        due = reply_due_at(tenant, {**doc, "suggested_category": suggested})
        return Ticket(doc).admit(held, suggested_category=suggested, reply_due_at=due), held

    def _senders(self, tenant_id: str, doc: Doc) -> list[str]:
        """The turns an SOS takes: its sender's keys (the guard's), in this tenant."""
        if self.guard is None:
            return []
        try:
            return [f"{tenant_id}/{key}" for key in self.guard.senders(doc)]
        except Exception:  # no turn is better than no SOS
            log.exception("intake guard could not name the sender; no turn taken")
            return []

    def _detecting(self, text: str, tenant: Doc, doc: Doc) -> asyncio.Task[str | None] | None:
        """The SOS's language being detected, unless the customer named it."""
        if self.detect is None or doc.get("language_explicit"):
            return None
        try:
            return asyncio.ensure_future(self.detect(text, tenant))
        except Exception:  # a nicety: the routing job detects again
            log.exception("language detection at intake failed")
            return None

    async def _detected(self, doc: Doc, detecting: asyncio.Task[str | None] | None) -> None:
        """Take the detected language into the SOS; a failing detector must not lose it."""
        if detecting is None:
            return
        try:
            found = await detecting
        except Exception:  # a nicety: the routing job detects again
            log.exception("language detection at intake failed")
            return
        if found:
            doc["language"], doc["language_detected"] = found, True

    async def _suggest(self, tenant: Doc, text: str) -> str | None:
        """The category the text suggests; a failing classifier must not lose an SOS."""
        try:
            return await self.triage.suggest(tenant, text)
        except Exception:
            log.exception("triage failed; the SOS goes in without a suggestion")
            return None

    async def release(self, tenant_id: str, ticket_id: str, by: Actor) -> Doc:
        """Let a held-back SOS through: pushed and routed as if it had just arrived, once.

        The status turns from held back to new by a compare-and-set (with the routing mark,
        so a crash before the commit below still routes it): of two staff releasing it at
        once (a double click, two people on the held-back page), one wins and the other is
        told it is released already; its history and push come with the commit after.
        """
        ticket = Ticket(await self.repo.get(tenant_id, ticket_id))
        return await self._store(
            tenant_id, await self._released(tenant_id, ticket, ticket.release(by))
        )

    async def _released(self, tenant_id: str, ticket: Ticket, outcome: Outcome) -> Outcome:
        """A release's status turned by a compare-and-set (see `release`): the outcome left
        to commit, its history and push; Conflicting when another request released it."""
        won = await self.store.update_if(
            tenant_id, "tickets", ticket.id, {"status": ticket.status}, outcome.sets
        )
        if won is None:
            raise Conflicting("this ticket was released already", field="status")
        return dataclasses.replace(outcome, sets={})

    async def get(self, tenant_id: str, ticket_id: str) -> Doc:
        """One ticket of this tenant; NotFound for unknown ids and other tenants' tickets."""
        return await self.repo.get(tenant_id, ticket_id)

    async def find(self, tenant_id: str, ticket_id: str) -> Doc | None:
        """One ticket of this tenant, or None (another tenant's too)."""
        return await self.repo.find(tenant_id, ticket_id)

    async def by_thread_token(self, token: str) -> Doc:
        """The ticket behind a customer's private thread link."""
        return await self.repo.by_thread_token(token)

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
        """Staff lists: the repository's query (held-back tickets left out), each ticket
        with its point's establishment when it was stored without one."""
        found = await self.repo.search(
            tenant_id,
            status=status,
            point=point,
            department=department,
            establishment=establishment,
            q=q,
            before=before,
            limit=limit,
        )
        return await with_establishments(self.store, tenant_id, found)

    async def placed(self, tenant_id: str, ticket: Doc) -> Doc:
        """`ticket` with its point's establishment when it was stored without one, for
        routes that answer with a ticket they changed (they never reach the store)."""
        return await with_establishment(self.store, tenant_id, ticket)

    async def detail(self, tenant_id: str, ticket_id: str) -> dict[str, Any]:
        """The ticket with its messages, internal notes and history, for staff."""
        doc = await with_establishment(
            self.store, tenant_id, await self.repo.get(tenant_id, ticket_id)
        )
        entries = await self.repo.entries(tenant_id, ticket_id)
        out = staff_ticket(doc)
        # A held message (blocked sender, filtered text) is flagged: staff alone see why.
        # Staff replies carry the etiquette steps they covered; a warning says it is one.
        out["messages"] = [
            {
                **message_json(e),
                "held_reason": e.get("held_reason"),
                "etiquette": e.get("etiquette"),
                "warning": bool(e.get("warning")),
            }
            for e in entries
            if e["kind"] == "message"
        ]
        out["notes"] = [note_json(e) for e in entries if e["kind"] == "note"]
        out["history"] = [history_json(e) for e in entries if e["kind"] == "history"]
        # Each repeat merged into this ticket, with the contact its sender left (null when
        # anonymous): staff see who else wrote, even when it reads like the first SOS.
        out["repeats"] = [repeat_json(e) for e in entries if e["kind"] == "repeat"]
        # Photos, each with the message it came with (`message_id`; the ticket's id: the SOS);
        # none while the ticket is held back.
        path = staff_attachments_path(ticket_id)
        visible = Ticket(doc).visible_to_staff
        out["attachments"] = [
            attachment_json(e, path)
            for e in entries
            if visible and e["kind"] == "attachment" and shown_to_staff(e)
        ]
        return out

    async def attachments(self, tenant_id: str, ticket_id: str) -> list[Doc]:
        """A ticket's photos as stored (those deleted for privacy left out), oldest first."""
        found = await self.repo.entries(tenant_id, ticket_id, "attachment")
        return [e for e in found if not e.get("purged_at")]

    async def attach(self, ticket: Doc, photo: Doc, by: Actor, to: str | None = None) -> Doc:
        """Add a stored photo (an `attachment` entry) to the conversation, live on both sides:
        on its own, or with `to` (a message of the same side, or the ticket's id: the SOS).

        A customer's photo sent on its own is screened like a message (a blocked sender's
        is held back from the consoles).
        """
        tenant_id = ticket["tenant_id"]
        target: Doc | None = None
        if to is not None:
            target = ticket if to == ticket["id"] else await self.repo.message(tenant_id, to)
            if target is None:
                raise Invalid("message: no such message on this ticket", field="message")
        elif photo["author"] == "customer":
            held = await self._screen_message(ticket, "")
            if held:
                photo = {**photo, "held_reason": held}
        outcome = Ticket(ticket).attach(photo, by, target)
        await self._store(tenant_id, outcome)
        return outcome.entries[0]

    async def messages(self, tenant_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """The conversation as its customer sees it, oldest first (who answered, by name)."""
        return [
            customer_message_json(e)
            for e in await self.repo.entries(tenant_id, ticket_id, "message")
        ]

    async def acknowledge(self, tenant_id: str, ticket_id: str, by: Actor) -> Doc:
        """Mark a new ticket as seen by someone; a no-op when it already is."""
        ticket = Ticket(await self.repo.get(tenant_id, ticket_id))
        return await self._store(tenant_id, ticket.acknowledge(by))

    async def change(
        self,
        tenant_id: str,
        ticket_id: str,
        by: Actor,
        *,
        status: str | None = None,
        category: str | object | None = KEEP,
        assignee: Doc | object | None = KEEP,
        description: str | object | None = KEEP,
    ) -> Doc:
        """Change status, category, assignee or description; each change goes to the history.

        A new category moves the reply target (the business's, for that category)."""
        ticket = Ticket(await self.repo.get(tenant_id, ticket_id))
        due = None
        if category is not KEEP:
            tenant = await self._tenant(tenant_id)
            due = functools.partial(reply_due_at, tenant)
        before = ticket.doc.get("category")
        was_resolved = ticket.doc.get("status") == Status.resolved.value
        outcome = ticket.change(
            by,
            status=status,
            category=category,
            assignee=assignee,
            description=description,
            due=due,
        )
        if ticket.status == Status.quarantined.value and outcome.accepted:  # released: once
            outcome = await self._released(tenant_id, ticket, outcome)
        doc = await self._store(tenant_id, outcome)
        if category is not KEEP and doc.get("category") and doc.get("category") != before:
            await self._tell("category_changed", await self._tenant(tenant_id), doc)
        if doc.get("status") == Status.resolved.value and not was_resolved:
            await self._tell("ticket_resolved", await self._tenant(tenant_id), doc)
        return doc

    async def reply(
        self,
        tenant_id: str,
        ticket_id: str,
        by: Actor,
        text: str,
        etiquette: Sequence[str] | None = None,
    ) -> Doc:
        """A staff answer: shown live on the customer's thread, and it acknowledges the ticket.

        `etiquette`: the protocol's steps the agent's checklist showed as covered (detected
        and ticked by hand); None (an API client without a checklist): detected from the text.
        """
        steps = detect_steps(text) if etiquette is None else etiquette
        ticket = Ticket(await self.repo.get(tenant_id, ticket_id))
        outcome, message = ticket.reply(by, text, steps)
        doc = await self._store(tenant_id, outcome)
        await self._tell("staff_replied", await self._tenant(tenant_id), doc, message)
        return message

    async def warn(self, tenant_id: str, ticket_id: str, by: Actor, text: str) -> Doc:
        """A private warning to a held-back SOS's sender: on their thread, and by e-mail or SMS
        through the replies' delivery path, while the ticket stays held back."""
        outcome, message = Ticket(await self.repo.get(tenant_id, ticket_id)).warn(by, text)
        doc = await self._store(tenant_id, outcome)
        await self._tell("staff_replied", await self._tenant(tenant_id), doc, message)
        return message

    async def add_note(self, tenant_id: str, ticket_id: str, by: Actor, text: str) -> Doc:
        """An internal note: staff only, never shown to the customer."""
        outcome, note = Ticket(await self.repo.get(tenant_id, ticket_id)).add_note(by, text)
        await self._store(tenant_id, outcome)
        return note

    async def answer_survey(
        self,
        ticket: Doc,
        rating: str,
        nps: int | None = None,
        comment: str | None = None,
        answers: Doc | None = None,
    ) -> Doc:
        """The customer rates the answer once the ticket is resolved (a new answer replaces
        the previous one); staff see it live, managers in the statistics. `answers`: to the
        business's own questions, checked by the caller (hub/surveys/questions.py)."""
        survey = _check_survey(rating, nps, comment)
        if answers:
            survey["answers"] = dict(answers)
        outcome = Ticket(ticket).answer_survey(survey)
        doc = await self._store(ticket["tenant_id"], outcome)
        if outcome.detractor:
            await self._tell("ticket_detractor", await self._tenant(ticket["tenant_id"]), doc)
        return dict(outcome.ticket.get("survey") or survey)

    async def _screen_message(self, ticket: Doc, text: str) -> str | None:
        """Why a customer's thread message is held back (blocked, offensive, spam), or None."""
        if self.guard is None:
            return None
        try:
            verdict = await self.guard.screen_message(
                await self._tenant(ticket["tenant_id"]), ticket, text
            )
        except Exception:  # a broken filter must not lose a message: let it through
            log.exception("message screening failed; accepting the message")
            return None
        return (verdict.reason or "filtered") if verdict.action == "quarantine" else None

    async def customer_message(self, ticket: Doc, text: str) -> Doc:
        """The customer answers on their thread; a resolved or waiting ticket reopens.

        A message from a blocked sender, or one the text filters object to, is stored with
        its `held_reason` and shown to staff only in the ticket's detail: never pushed to the
        consoles, and it reopens nothing. Its customer sees it as sent, like any other.
        """
        held_reason = await self._screen_message(ticket, clean_text(text))
        outcome, message = Ticket(ticket).customer_writes(text, held_reason)
        doc = await self._store(ticket["tenant_id"], outcome)
        if held_reason:
            tenant = await self._tenant(ticket["tenant_id"])
            await self._tell("message_held", tenant, doc, message)
        return message


def _check_survey(rating: str, nps: int | None, comment: str | None) -> Doc:
    """A survey answer as stored; Invalid names the field that is wrong."""
    if rating not in RATINGS:
        raise Invalid(f"rating: one of {', '.join(RATINGS)}", field="rating")
    if nps is not None and not 0 <= nps <= 10:
        raise Invalid("nps: a whole number from 0 to 10", field="nps")
    text = (
        clean_text(comment, "comment", SURVEY_COMMENT_MAX) if comment and comment.strip() else None
    )
    return {"rating": rating, "nps": nps, "comment": text, "answered_at": now_iso()}


def _clean_contact(contact: Doc | None, timezone: str | None) -> Doc | None:
    """The contact as stored; its phone international (E.164), read in the business's
    country when it has none (hub/phones.py): the reply SMS must reach the guest."""
    if not contact:
        return None
    out = {
        k: clean_line(str(contact[k]), NAME_MAX)
        for k in ("name", "email", "phone")
        if contact.get(k) and clean_line(str(contact[k]))
    }
    if "phone" in out:
        phone = international(out["phone"], region_of(timezone))
        if phone is None:
            raise Invalid(
                "contact.phone: not a phone number an SMS can reach; write it with its"
                " country, e.g. +34 600 111 222",
                field="contact.phone",
            )
        out["phone"] = phone
    return out or None


def _drop(task: asyncio.Task[Any] | None) -> None:
    """Stop a task nobody waits for any more, and mark its failure seen (no stray log)."""
    if task is None:
        return
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()
