"""Ticket use cases: submit an SOS, acknowledge, change, reply, note, customer answers.

Each use case writes its change together with its events in one store commit, and only
then publishes them: the store is the source of truth, the push is best effort.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hub.clock import new_id, new_secret, now_iso
from hub.errors import Conflicting, Invalid, NotFound
from hub.ports import Change, Doc, Event, EventDraft, Insert, Publisher, Store, Update
from hub.tickets.hooks import ACCEPT, IntakeGuard, TicketListener, Verdict
from hub.tickets.model import (
    NAME_MAX,
    RATINGS,
    SURVEY_COMMENT_MAX,
    Status,
    check_category,
    check_transition,
    clean_line,
    clean_text,
    customer_ticket,
    held_back,
    history_json,
    message_json,
    note_json,
    staff_ticket,
)

log = logging.getLogger(__name__)

DetectLanguage = Callable[[str, Doc], Awaitable[str | None]]

_SEARCH_FIELDS = ("text", "description", "point.label", "contact.name", "contact.email")


@dataclass(frozen=True)
class Actor:
    """Who made a change, for the history: a staff user or the customer."""

    id: str | None
    name: str

    @classmethod
    def staff(cls, user: Doc) -> Actor:
        return cls(user["id"], user.get("name") or user["email"])


CUSTOMER = Actor(None, "customer")


def _history(ticket_id: str, action: str, by: Actor, old: Any = None, new: Any = None) -> Insert:
    return Insert(
        "entries",
        {
            "id": new_id(),
            "ticket_id": ticket_id,
            "kind": "history",
            "action": action,
            "from": old,
            "to": new,
            "by": by.name,
            "by_id": by.id,
            "created_at": now_iso(),
        },
    )


def _updated(doc: Doc) -> EventDraft:
    return EventDraft("ticket.updated", doc["id"], staff_ticket(doc), customer_ticket(doc))


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
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.detect = detect
        self.guard = guard
        self.listeners = list(listeners)

    async def _tell(self, what: str, *args: Any) -> None:
        for listener in self.listeners:
            try:
                await getattr(listener, what)(*args)
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

    async def _commit(
        self, tenant_id: str, changes: Sequence[Change], events: Sequence[EventDraft]
    ) -> list[Event]:
        stored = await self.store.commit(tenant_id, changes, events)
        try:
            await self.publisher.publish(stored)
        except Exception:  # the events are stored; consoles will get them on resume
            log.exception("publishing %d events failed", len(stored))
        return stored

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
        """Store a customer's SOS as a new ticket, then push it to the tenant's consoles.

        From a kiosk, `kiosk` is the kiosk and `department` the one the customer picked
        (default: the access point's).
        """
        text = clean_text(text)
        contact = _clean_contact(contact) if not anonymous else None
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
            keep = ("device_id", "ip", "signals", "language_explicit")
            doc.update({k: origin[k] for k in keep if origin.get(k)})
        if self.detect is not None and not doc.get("language_explicit"):
            # Known before the first push, so consoles are not sent the ticket twice.
            try:
                found = await self.detect(text, tenant)
                if found:
                    doc["language"], doc["language_detected"] = found, True
            except Exception:  # a nicety: the routing job detects again
                log.exception("language detection at intake failed")
        verdict = await self._screen(tenant, doc)
        if verdict.action == "merge" and verdict.merge_into:
            merged = await self._merge_repeat(tenant["id"], verdict.merge_into, doc)
            if merged is not None:
                return merged
        doc["number"] = await self.store.next_value(tenant["id"], "ticket_number")
        held = verdict.action == "quarantine"
        if held:
            doc["status"] = Status.quarantined.value
            doc["quarantine_reason"] = verdict.reason or "filtered"
        event = (
            EventDraft("ticket.quarantined", doc["id"], None, None)
            if held
            else EventDraft("ticket.created", doc["id"], staff_ticket(doc), None)
        )
        await self._commit(
            tenant["id"],
            [Insert("tickets", doc), _history(doc["id"], "created", CUSTOMER, None, doc["status"])],
            [event],
        )
        if not held:
            await self._tell("ticket_accepted", tenant, doc)
        return doc

    async def _merge_repeat(self, tenant_id: str, ticket_id: str, repeat: Doc) -> Doc | None:
        """Count a repeated SOS on the earlier ticket and keep its text there."""
        original = await self.store.get(tenant_id, "tickets", ticket_id)
        if original is None:
            return None
        sets = {
            "repeat_count": original.get("repeat_count", 0) + 1,
            "updated_at": repeat["created_at"],
        }
        entry = {
            "id": new_id(),
            "ticket_id": ticket_id,
            "kind": "repeat",
            "text": repeat["text"],
            "contact": repeat.get("contact"),
            "created_at": repeat["created_at"],
        }
        doc = {**original, **sets}
        pushed = original["status"] != Status.quarantined.value
        await self._commit(
            tenant_id,
            [Update("tickets", ticket_id, sets), Insert("entries", entry),
             _history(ticket_id, "repeated", CUSTOMER)],
            [_updated(doc)] if pushed else [],
        )
        return doc

    async def release(self, tenant_id: str, ticket_id: str, by: Actor) -> Doc:
        """Let a held-back SOS through: pushed and routed as if it had just arrived."""
        doc = await self.get(tenant_id, ticket_id)
        if doc["status"] != Status.quarantined.value:
            raise Conflicting("only a held-back ticket can be released", field="status")
        sets = {"status": Status.new.value, "updated_at": now_iso(), "released_at": now_iso()}
        doc = {**doc, **sets}
        await self._commit(
            tenant_id,
            [Update("tickets", ticket_id, sets),
             _history(ticket_id, "status", by, Status.quarantined.value, Status.new.value)],
            [EventDraft("ticket.created", ticket_id, staff_ticket(doc), None)],
        )
        await self._tell("ticket_accepted", await self._tenant(tenant_id), doc)
        return doc

    async def get(self, tenant_id: str, ticket_id: str) -> Doc:
        """One ticket of this tenant; NotFound for unknown ids and other tenants' tickets."""
        doc = await self.store.get(tenant_id, "tickets", ticket_id)
        if doc is None:
            raise NotFound("no such ticket", field="id")
        return doc

    async def by_thread_token(self, token: str) -> Doc:
        """The ticket behind a customer's private thread link."""
        doc = await self.store.lookup("tickets", "thread_token", token) if token else None
        if doc is None:
            raise NotFound("this conversation does not exist", field="thread_token")
        return doc

    async def detail(self, tenant_id: str, ticket_id: str) -> dict[str, Any]:
        """The ticket with its messages, internal notes and history, for staff."""
        doc = await self.get(tenant_id, ticket_id)
        entries = await self.store.find(
            tenant_id, "entries", {"ticket_id": ticket_id}, sort="created_at"
        )
        out = staff_ticket(doc)
        # A held message (blocked sender, filtered text) is flagged: staff alone see why.
        out["messages"] = [
            {**message_json(e), "held_reason": e.get("held_reason")}
            for e in entries if e["kind"] == "message"
        ]
        out["notes"] = [note_json(e) for e in entries if e["kind"] == "note"]
        out["history"] = [history_json(e) for e in entries if e["kind"] == "history"]
        # Each repeat merged into this ticket, with the contact its sender left (null when
        # anonymous): staff see who else wrote, even when it reads like the first SOS.
        out["repeats"] = [repeat_json(e) for e in entries if e["kind"] == "repeat"]
        return out

    async def messages(self, tenant_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """The customer-visible conversation of a ticket, oldest first."""
        entries = await self.store.find(
            tenant_id, "entries", {"ticket_id": ticket_id, "kind": "message"}, sort="created_at"
        )
        return [message_json(e) for e in entries]

    async def search(
        self,
        tenant_id: str,
        *,
        status: Sequence[str] = (),
        point: str | None = None,
        department: str | None = None,
        q: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Doc]:
        """Tickets newest first, filtered; `before` is a ticket number (the cursor)."""
        where: dict[str, Any] = {}
        if status:
            where["status"] = {"in": list(status)}
        else:
            where["status"] = {"ne": Status.quarantined.value}
        if point:
            where["point.code"] = point
        if department:
            where["department"] = department
        if q:
            where["$search"] = (_SEARCH_FIELDS, q)
        if before is not None:
            where["number"] = {"lt": before}
        return await self.store.find(
            tenant_id, "tickets", where, sort="number", descending=True, limit=limit
        )

    async def acknowledge(self, tenant_id: str, ticket_id: str, by: Actor) -> Doc:
        """Mark a new ticket as seen by someone; a no-op when it already is."""
        doc = await self.get(tenant_id, ticket_id)
        if doc["status"] != Status.new.value:
            return doc
        return await self.change(tenant_id, ticket_id, by, status=Status.acknowledged.value)

    async def change(
        self,
        tenant_id: str,
        ticket_id: str,
        by: Actor,
        *,
        status: str | None = None,
        category: str | object | None = ...,
        assignee: Doc | object | None = ...,
        description: str | object | None = ...,
    ) -> Doc:
        """Change status, category, assignee or description; each change goes to the history."""
        doc = await self.get(tenant_id, ticket_id)
        held = held_back(doc)
        if doc["status"] == Status.quarantined.value and status == Status.new.value:
            # the same release as the button (pushed as created, routed); check the other
            # fields first so that a bad one leaves the ticket held
            if category is not ...:
                check_category(category if isinstance(category, str) else None)
            if isinstance(description, str) and description.strip():
                clean_text(description, "description", 4000)
            doc = await self.release(tenant_id, ticket_id, by)
            held, status = False, None
        now = now_iso()
        sets: Doc = {}
        changes: list[Change] = []
        if status is not None and status != doc["status"]:
            target = check_transition(doc["status"], status)
            sets["status"] = target.value
            unseen = doc.get("acknowledged_at") is None
            if unseen and target not in (Status.new, Status.quarantined):
                sets["acknowledged_at"] = now
            if target == Status.resolved:
                sets["resolved_at"] = now
            if target == Status.closed:
                sets["closed_at"] = now
            changes.append(_history(ticket_id, "status", by, doc["status"], target.value))
        if category is not ...:
            value = check_category(category if isinstance(category, str) else None)
            if value != doc.get("category"):
                sets["category"] = value
                changes.append(_history(ticket_id, "category", by, doc.get("category"), value))
        if assignee is not ...:
            value_a = (
                {"id": assignee["id"], "name": assignee.get("name")}
                if isinstance(assignee, dict)
                else None
            )
            old = doc.get("assignee")
            if (old or {}).get("id") != (value_a or {}).get("id"):
                sets["assignee"] = value_a
                changes.append(
                    _history(
                        ticket_id,
                        "assignee",
                        by,
                        (old or {}).get("name"),
                        (value_a or {}).get("name"),
                    )
                )
        if description is not ...:
            text = (
                clean_text(description, "description", 4000)
                if isinstance(description, str) and description.strip()
                else None
            )
            if text != doc.get("description"):
                sets["description"] = text
                changes.append(_history(ticket_id, "description", by, None, text))
        if not sets:
            return doc
        sets["updated_at"] = now
        doc = {**doc, **sets}
        # a held-back ticket never reaches the consoles, not even when closed or reopened
        event = EventDraft("ticket.updated", ticket_id, None, None) if held else _updated(doc)
        await self._commit(tenant_id, [Update("tickets", ticket_id, sets), *changes], [event])
        if "acknowledged_at" in sets:
            await self._tell("ticket_acknowledged", await self._tenant(tenant_id), doc)
        return doc

    async def reply(self, tenant_id: str, ticket_id: str, by: Actor, text: str) -> Doc:
        """A staff answer: shown live on the customer's thread, and it acknowledges the ticket."""
        doc = await self.get(tenant_id, ticket_id)
        if doc["status"] == Status.quarantined.value:
            raise Conflicting("release this ticket before replying", field="status")
        message = _message(ticket_id, "staff", by.name, clean_text(text))
        now = message["created_at"]
        sets: Doc = {"updated_at": now, "message_count": doc.get("message_count", 0) + 1}
        changes: list[Change] = [Insert("entries", message)]
        if doc.get("first_response_at") is None:
            sets["first_response_at"] = now
        if doc.get("acknowledged_at") is None:
            sets["acknowledged_at"] = now
        if doc["status"] in (Status.new.value, Status.acknowledged.value, Status.open.value):
            sets["status"] = Status.waiting_customer.value
            changes.append(_history(ticket_id, "status", by, doc["status"], sets["status"]))
        changes.append(_history(ticket_id, "replied", by))
        doc = {**doc, **sets}
        payload = {"ticket_id": ticket_id, "message": message_json(message)}
        await self._commit(
            tenant_id,
            [Update("tickets", ticket_id, sets), *changes],
            [EventDraft("ticket.message", ticket_id, payload, payload), _updated(doc)],
        )
        tenant = await self._tenant(tenant_id)
        if "acknowledged_at" in sets:
            await self._tell("ticket_acknowledged", tenant, doc)
        await self._tell("staff_replied", tenant, doc, message)
        return message

    async def add_note(self, tenant_id: str, ticket_id: str, by: Actor, text: str) -> Doc:
        """An internal note: staff only, never shown to the customer."""
        await self.get(tenant_id, ticket_id)
        note = {
            "id": new_id(),
            "ticket_id": ticket_id,
            "kind": "note",
            "author_id": by.id,
            "author_name": by.name,
            "text": clean_text(text, limit=4000),
            "created_at": now_iso(),
        }
        await self._commit(
            tenant_id,
            [Insert("entries", note), _history(ticket_id, "note", by)],
            [EventDraft(
                "ticket.note", ticket_id, {"ticket_id": ticket_id, "note": note_json(note)}
            )],
        )
        return note

    async def answer_survey(
        self, ticket: Doc, rating: str, nps: int | None = None, comment: str | None = None
    ) -> Doc:
        """The customer rates the answer once the ticket is resolved (a new answer replaces
        the previous one); staff see it live, managers in the statistics."""
        survey = _check_survey(rating, nps, comment)
        if ticket["status"] not in (Status.resolved.value, Status.closed.value):
            raise Conflicting("the survey opens once the ticket is resolved", field="status")
        previous = ticket.get("survey") or {}
        if all(previous.get(k) == survey[k] for k in ("rating", "nps", "comment")):
            return dict(previous)  # the same answer again: nothing to store or push
        tenant_id, ticket_id = ticket["tenant_id"], ticket["id"]
        doc = {**ticket, "survey": survey}
        # Held back and closed without a release: the consoles never saw it, and do not now.
        event = (
            EventDraft("ticket.updated", ticket_id, None, customer_ticket(doc))
            if held_back(ticket)
            else _updated(doc)
        )
        await self._commit(
            tenant_id,
            [Update("tickets", ticket_id, {"survey": survey}),
             _history(ticket_id, "survey", CUSTOMER, previous.get("rating"), rating)],
            [event],
        )
        return survey

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
        tenant_id, ticket_id = ticket["tenant_id"], ticket["id"]
        message = _message(ticket_id, "customer", None, clean_text(text))
        held_reason = await self._screen_message(ticket, message["text"])
        payload = {"ticket_id": ticket_id, "message": message_json(message)}
        if held_reason is not None:
            message["held_reason"] = held_reason
            await self._commit(
                tenant_id, [Insert("entries", message)],
                [] if held_back(ticket) else
                [EventDraft("ticket.message", ticket_id, None, payload)],  # its customer only
            )
            return message
        sets: Doc = {
            "updated_at": message["created_at"],
            "message_count": ticket.get("message_count", 0) + 1,
        }
        changes: list[Change] = [Insert("entries", message)]
        if ticket["status"] in (Status.waiting_customer.value, Status.resolved.value):
            sets["status"] = Status.open.value
            changes.append(_history(ticket_id, "status", CUSTOMER, ticket["status"], "open"))
        doc = {**ticket, **sets}
        events = [EventDraft("ticket.message", ticket_id, payload, payload)]
        if held_back(ticket):
            events = []  # held back: nothing reaches consoles until released
        else:
            events.append(_updated(doc))
        await self._commit(tenant_id, [Update("tickets", ticket_id, sets), *changes], events)
        return message


def repeat_json(entry: Doc) -> dict[str, Any]:
    """A repeat merged into a ticket, as staff see it."""
    return {k: entry.get(k) for k in ("text", "contact", "created_at")}


def _check_survey(rating: str, nps: int | None, comment: str | None) -> Doc:
    """A survey answer as stored; Invalid names the field that is wrong."""
    if rating not in RATINGS:
        raise Invalid(f"rating: one of {', '.join(RATINGS)}", field="rating")
    if nps is not None and not 0 <= nps <= 10:
        raise Invalid("nps: a whole number from 0 to 10", field="nps")
    text = (
        clean_text(comment, "comment", SURVEY_COMMENT_MAX)
        if comment and comment.strip()
        else None
    )
    return {"rating": rating, "nps": nps, "comment": text, "answered_at": now_iso()}


def _message(ticket_id: str, author: str, author_name: str | None, text: str) -> Doc:
    return {
        "id": new_id(),
        "ticket_id": ticket_id,
        "kind": "message",
        "author": author,
        "author_name": author_name,
        "text": text,
        "translations": {},
        "created_at": now_iso(),
    }


def _clean_contact(contact: Doc | None) -> Doc | None:
    if not contact:
        return None
    out = {
        k: clean_line(str(contact[k]), NAME_MAX)
        for k in ("name", "email", "phone")
        if contact.get(k) and clean_line(str(contact[k]))
    }
    return out or None
