"""The Ticket: one SOS and its rules. Every change to a ticket is a method here.

A method checks the rule, and returns an `Outcome`: the fields to set, the entries to add
(history, messages, notes, repeats) and the past-tense events (`hub.tickets.events`). It
does no I/O; a service stores the outcome with `UnitOfWork.commit_and_publish`. Whether a
ticket is held back from the consoles is decided by `Ticket.held_back` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hub.alerts.model import is_detractor
from hub.clock import new_id, now_iso, parse_iso
from hub.errors import Conflicting, Invalid
from hub.ports import Change, Doc, Insert, Update
from hub.tickets.etiquette import ordered
from hub.tickets.events import (
    AttachmentAdded,
    MessagePosted,
    NoteAdded,
    TicketCreated,
    TicketEvent,
    TicketHeld,
    TicketUpdated,
)
from hub.tickets.model import (
    ATTACH_WINDOW_MINUTES,
    Status,
    check_category,
    check_transition,
    clean_text,
    held_back,
)
from hub.tickets.repository import ENTRIES, TICKETS

KEEP = ...  # "leave this field as it is" for `Ticket.change`
DueAt = Callable[[Doc], str | None]  # when a ticket's first answer is due (hub/tickets/targets.py)
DESCRIPTION_MAX = 4000
NOTE_MAX = 4000
INSULT = "offensive"  # the hold reason of the offensive-words filter (hub/tickets/filters.py)
INSULTS_KEPT = 10  # the times a ticket keeps of its sender's insults (the strikes need 3)


@dataclass(frozen=True)
class Actor:
    """Who made a change, for the history: a staff user or the customer."""

    id: str | None
    name: str

    @classmethod
    def staff(cls, user: Doc) -> Actor:
        return cls(user["id"], user.get("name") or user["email"])


CUSTOMER = Actor(None, "customer")


@dataclass
class Outcome:
    """A ticket change as the store will keep it, and what it means for the rest."""

    ticket: Doc  # the ticket after the change
    sets: Doc = field(default_factory=dict)
    entries: list[Doc] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)
    new: bool = False  # insert the ticket itself (intake)
    acknowledged: bool = False  # someone took it for the first time: escalation stops
    accepted: bool = False  # it reaches the consoles and routing now (new or released)
    detractor: bool = False  # a bad survey answer reopened it (hub/alerts/detractor.py)

    @property
    def changed(self) -> bool:
        return self.new or bool(self.sets) or bool(self.entries)

    def changes(self) -> list[Change]:
        """The store writes: the ticket (inserted or updated), then its entries."""
        out: list[Change] = []
        if self.new:
            out.append(Insert(TICKETS, self.ticket))
        elif self.sets:
            out.append(Update(TICKETS, self.ticket["id"], self.sets))
        out.extend(Insert(ENTRIES, e) for e in self.entries)
        return out


def history_entry(ticket_id: str, action: str, by: Actor, old: Any = None, new: Any = None) -> Doc:
    """One line of a ticket's history: who did what, and when."""
    return {
        "id": new_id(),
        "ticket_id": ticket_id,
        "kind": "history",
        "action": action,
        "from": old,
        "to": new,
        "by": by.name,
        "by_id": by.id,
        "created_at": now_iso(),
    }


def message_entry(
    ticket_id: str,
    author: str,
    author_name: str | None,
    text: str,
    held_reason: str | None = None,
    *,
    author_id: str | None = None,
) -> Doc:
    """A conversation message (customer or staff) as stored; a staff one names its author."""
    doc: Doc = {
        "id": new_id(),
        "ticket_id": ticket_id,
        "kind": "message",
        "author": author,
        "author_name": author_name,
        "text": text,
        "translations": {},
        "created_at": now_iso(),
    }
    if author_id:
        doc["author_id"] = author_id
    if held_reason:
        doc["held_reason"] = held_reason
    return doc


def insult_marks(doc: Doc, moment: str) -> Doc:
    """The ticket's record that its sender was held back for insults at `moment`.

    Kept on the ticket (whose sender identifiers the privacy sweep clears in time), so
    counting a sender's insults needs no list of senders of its own (hub/moderation/strikes.py).
    """
    times = [*[str(t) for t in doc.get("insults") or []], moment][-INSULTS_KEPT:]
    return {"insults": times, "last_insult_at": moment}


def route_mark(moment: str) -> Doc:
    """Routing asked for: the sweeper routes every accepted ticket still carrying this."""
    return {"route_state": "pending", "route_requested_at": moment}


class Ticket:
    """A ticket document with its rules; `doc` is the stored JSON."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def status(self) -> str:
        return str(self.doc["status"])

    @property
    def held_back(self) -> bool:
        """Held back by a filter and never released: no console sees it, closed or not."""
        return held_back(self.doc)

    @property
    def visible_to_staff(self) -> bool:
        """Whether consoles, lists and statistics show it as a ticket."""
        return not self.held_back

    @property
    def answered_status(self) -> str:
        """The status the customer is told on intake: a held-back SOS looks like any other."""
        return Status.new.value if self.status == Status.quarantined.value else self.status

    def _apply(self, sets: Doc) -> Doc:
        return {**self.doc, **sets}

    # intake ---------------------------------------------------------------------------

    def admit(
        self,
        held_reason: str | None,
        *,
        suggested_category: str | None = None,
        reply_due_at: str | None = None,
    ) -> Outcome:
        """Store a numbered SOS: on the consoles, or held back when a filter objects.

        It carries the category its text suggests (staff confirm it or pick another: only
        theirs counts for routing and statistics) and when its first answer is due.
        """
        sets: Doc = {
            "held": bool(held_reason),
            "suggested_category": suggested_category,
            "reply_due_at": reply_due_at,
        }
        if held_reason:
            sets |= {"status": Status.quarantined.value, "quarantine_reason": held_reason}
        if held_reason == INSULT:
            sets |= insult_marks(self.doc, self.doc["created_at"])
        if not held_reason:  # the routing mark, in the same commit: a crash cannot skip routing
            sets |= route_mark(self.doc["created_at"])  # (a release writes its own)
        doc = self._apply(sets)
        created = history_entry(self.id, "created", CUSTOMER, None, doc["status"])
        event: TicketEvent = TicketHeld(doc) if held_reason else TicketCreated(doc)
        return Outcome(doc, entries=[created], events=[event], new=True, accepted=not held_reason)

    def merge_repeat(self, repeat: Doc) -> Outcome:
        """Count a repeated SOS on this ticket and keep its text and contact for staff."""
        sets = {
            "repeat_count": int(self.doc.get("repeat_count") or 0) + 1,
            "updated_at": repeat["created_at"],
        }
        entry = {
            "id": new_id(),
            "ticket_id": self.id,
            "kind": "repeat",
            "text": repeat["text"],
            "contact": repeat.get("contact"),
            "created_at": repeat["created_at"],
        }
        doc = self._apply(sets)
        return Outcome(
            doc, sets, [entry, history_entry(self.id, "repeated", CUSTOMER)], [TicketUpdated(doc)]
        )

    def release(self, by: Actor) -> Outcome:
        """Let a held-back SOS through: pushed and routed as if it had just arrived."""
        if self.status != Status.quarantined.value:
            raise Conflicting("only a held-back ticket can be released", field="status")
        now = now_iso()
        sets = {
            "status": Status.new.value,
            "updated_at": now,
            "released_at": now,
            "held": False,
            **route_mark(now),
        }
        doc = self._apply(sets)
        entry = history_entry(self.id, "status", by, Status.quarantined.value, Status.new.value)
        return Outcome(doc, sets, [entry], [TicketCreated(doc)], accepted=True)

    # staff ----------------------------------------------------------------------------

    def acknowledge(self, by: Actor) -> Outcome:
        """Someone has seen a new ticket; nothing changes when it is already past new."""
        if self.status != Status.new.value:
            return Outcome(self.doc)
        return self.change(by, status=Status.acknowledged.value)

    def change(
        self,
        by: Actor,
        *,
        status: str | None = None,
        category: Any = KEEP,
        assignee: Any = KEEP,
        description: Any = KEEP,
        due: DueAt | None = None,
    ) -> Outcome:
        """Status, category, assignee or description; each change goes to the history.

        Moving a held-back ticket to `new` releases it (the same as the button); the other
        fields are checked first, so a bad one leaves the ticket held. A new category moves
        the reply target: `due` tells when the first answer is due for the changed ticket.
        """
        if category is not KEEP:
            check_category(category if isinstance(category, str) else None)
        if isinstance(description, str) and description.strip():
            clean_text(description, "description", DESCRIPTION_MAX)
        if self.status == Status.quarantined.value and status == Status.new.value:
            released = self.release(by)
            rest = Ticket(released.ticket).change(
                by, category=category, assignee=assignee, description=description, due=due
            )
            return Outcome(
                rest.ticket,
                {**released.sets, **rest.sets},
                released.entries + rest.entries,
                [TicketCreated(rest.ticket)],
                accepted=True,
            )
        now = now_iso()
        sets: Doc = {}
        entries: list[Doc] = []
        if status is not None and status != self.status:
            self._move(by, status, now, sets, entries)
        if category is not KEEP:
            value = check_category(category if isinstance(category, str) else None)
            self._set(by, "category", value, self.doc.get("category"), value, sets, entries)
        if assignee is not KEEP:
            person = (
                {"id": assignee["id"], "name": assignee.get("name")}
                if isinstance(assignee, dict)
                else None
            )
            old = self.doc.get("assignee") or {}
            if old.get("id") != (person or {}).get("id"):
                self._set(
                    by,
                    "assignee",
                    person,
                    old.get("name"),
                    (person or {}).get("name"),
                    sets,
                    entries,
                )
        if description is not KEEP:
            text = (
                clean_text(description, "description", DESCRIPTION_MAX)
                if isinstance(description, str) and description.strip()
                else None
            )
            self._set(by, "description", text, None, text, sets, entries)
        if not sets:
            return Outcome(self.doc)
        if "category" in sets and due is not None:
            sets["reply_due_at"] = due(self._apply(sets))
        sets["updated_at"] = now
        doc = self._apply(sets)
        return Outcome(
            doc, sets, entries, [TicketUpdated(doc)], acknowledged="acknowledged_at" in sets
        )

    def _move(self, by: Actor, status: str, now: str, sets: Doc, entries: list[Doc]) -> None:
        """A status move the life allows, with the times it stamps (seen, resolved, closed)."""
        target = check_transition(self.status, status)
        sets["status"] = target.value
        if self.doc.get("acknowledged_at") is None and target not in (
            Status.new,
            Status.quarantined,
        ):
            sets["acknowledged_at"] = now
        if target == Status.resolved:
            sets["resolved_at"] = now
        if target == Status.closed:
            sets["closed_at"] = now
        entries.append(history_entry(self.id, "status", by, self.status, target.value))

    def _set(
        self,
        by: Actor,
        field_name: str,
        value: Any,
        shown_old: Any,
        shown_new: Any,
        sets: Doc,
        entries: list[Doc],
    ) -> None:
        """Set one field when it changes, with a history line showing old and new."""
        if field_name != "assignee" and value == self.doc.get(field_name):
            return
        sets[field_name] = value
        entries.append(history_entry(self.id, field_name, by, shown_old, shown_new))

    def reply(self, by: Actor, text: str, etiquette: Sequence[str] = ()) -> tuple[Outcome, Doc]:
        """A staff answer, live on the customer's thread; it acknowledges the ticket.

        `etiquette` is the steps of the protocol the reply covers (hub/tickets/etiquette.py):
        kept on the message, and their union on the ticket, for quality review.
        """
        if self.held_back:
            raise Conflicting("release this ticket before replying", field="status")
        message = message_entry(self.id, "staff", by.name, clean_text(text), author_id=by.id)
        message["etiquette"] = ordered(etiquette)
        now = message["created_at"]
        sets: Doc = {
            "updated_at": now,
            "message_count": int(self.doc.get("message_count") or 0) + 1,
        }
        covered = ordered([*(self.doc.get("etiquette") or ()), *etiquette])
        if covered != (self.doc.get("etiquette") or []):
            sets["etiquette"] = covered
        entries = [message]
        if self.doc.get("first_response_at") is None:
            sets["first_response_at"] = now
        if not self.doc.get("first_responder"):  # statistics by agent: who answered first
            sets["first_responder"] = {"id": by.id, "name": by.name}
        if self.doc.get("acknowledged_at") is None:
            sets["acknowledged_at"] = now
        if self.status in (Status.new.value, Status.acknowledged.value, Status.open.value):
            sets["status"] = Status.waiting_customer.value
            entries.append(history_entry(self.id, "status", by, self.status, sets["status"]))
        entries.append(history_entry(self.id, "replied", by))
        doc = self._apply(sets)
        outcome = Outcome(
            doc,
            sets,
            entries,
            [MessagePosted(doc, message), TicketUpdated(doc)],
            acknowledged="acknowledged_at" in sets,
        )
        return outcome, message

    def warn(self, by: Actor, text: str) -> tuple[Outcome, Doc]:
        """A private warning to the sender of a held-back SOS ("offensive messages are not
        allowed"): on their thread (and by e-mail or SMS), while the ticket stays held back.

        It is no answer: status, response times and the consoles are left as they are.
        """
        if not self.held_back:
            raise Conflicting(
                "only the sender of a held-back ticket is warned; answer this one", field="status"
            )
        message = message_entry(self.id, "staff", by.name, clean_text(text), author_id=by.id)
        message["warning"] = True
        sets: Doc = {
            "updated_at": message["created_at"],
            "message_count": int(self.doc.get("message_count") or 0) + 1,
        }
        entries = [message, history_entry(self.id, "warned", by)]
        doc = self._apply(sets)
        return Outcome(doc, sets, entries, [MessagePosted(doc, message)]), message

    def add_note(self, by: Actor, text: str) -> tuple[Outcome, Doc]:
        """An internal note: staff only, never shown to the customer."""
        note = {
            "id": new_id(),
            "ticket_id": self.id,
            "kind": "note",
            "author_id": by.id,
            "author_name": by.name,
            "text": clean_text(text, limit=NOTE_MAX),
            "created_at": now_iso(),
        }
        outcome = Outcome(
            self.doc, {}, [note, history_entry(self.id, "note", by)], [NoteAdded(self.doc, note)]
        )
        return outcome, note

    # the customer ---------------------------------------------------------------------

    def customer_writes(self, text: str, held_reason: str | None = None) -> tuple[Outcome, Doc]:
        """The customer answers on their thread; a resolved or waiting ticket reopens.

        A message a filter holds back is stored (never lost) but changes nothing staff see.
        """
        message = message_entry(self.id, "customer", None, clean_text(text), held_reason)
        sets: Doc = {
            "updated_at": message["created_at"],
            "message_count": int(self.doc.get("message_count") or 0) + 1,
        }
        entries = [message]
        if held_reason:
            sets = {"held_messages": int(self.doc.get("held_messages") or 0) + 1}
            if held_reason == INSULT:
                sets |= insult_marks(self.doc, message["created_at"])
        elif self.status in (Status.waiting_customer.value, Status.resolved.value):
            sets["status"] = Status.open.value
            entries.append(history_entry(self.id, "status", CUSTOMER, self.status, "open"))
        doc = self._apply(sets)
        events: list[TicketEvent] = [MessagePosted(doc, message)]
        if not held_reason:
            events.append(TicketUpdated(doc))
        return Outcome(doc, sets, entries, events), message

    # photos -----------------------------------------------------------------------------

    def attach(self, photo: Doc, by: Actor, to: Doc | None = None) -> Outcome:
        """A photo (an `attachment` entry) joins the conversation: on its own, or with `to`,
        a message of the same side sent shortly before (the ticket itself: the SOS).

        Staff cannot add to a ticket held back by a filter. A photo with a held message is
        held with it; a customer's photo on its own answers like a message does (a waiting
        or resolved ticket reopens, unless the photo is held).
        """
        author = photo["author"]
        if author == "staff" and self.held_back:
            raise Conflicting("release this ticket before replying", field="status")
        photo = {**photo, "message_id": None}
        if to is not None:
            photo["message_id"] = self._own_message(to, author, photo["created_at"])
            if to.get("held_reason"):
                photo["held_reason"] = to["held_reason"]
        sets: Doc = {"updated_at": photo["created_at"]}
        entries = [photo, history_entry(self.id, "photo", by)]
        reopen = (Status.waiting_customer.value, Status.resolved.value)
        if photo.get("held_reason"):
            sets = {}
        elif author == "customer" and to is None and self.status in reopen:
            sets["status"] = Status.open.value
            entries.append(history_entry(self.id, "status", CUSTOMER, self.status, "open"))
        doc = self._apply(sets)
        events: list[TicketEvent] = [AttachmentAdded(doc, photo)]
        if "status" in sets:
            events.append(TicketUpdated(doc))
        return Outcome(doc, sets, entries, events)

    def _own_message(self, to: Doc, author: str, moment: str) -> str:
        """The id a photo joins: the SOS (for its customer) or a message of the same side on
        this ticket, sent within the window; Invalid naming `message` otherwise."""
        if to.get("id") == self.id and author == "customer":
            sent = str(self.doc["created_at"])
        elif to.get("kind") == "message" and to.get("ticket_id") == self.id:
            if to.get("author") != author:
                raise Invalid("message: photos join a message of your own", field="message")
            sent = str(to["created_at"])
        else:
            raise Invalid("message: no such message on this ticket", field="message")
        if parse_iso(moment) - parse_iso(sent) > timedelta(minutes=ATTACH_WINDOW_MINUTES):
            raise Invalid(
                f"message: photos join a message within {ATTACH_WINDOW_MINUTES} minutes of it;"
                " send this one on its own",
                field="message",
            )
        return str(to["id"])

    def answer_survey(self, survey: Doc) -> Outcome:
        """The customer rates the answer once resolved; a new answer replaces the last one.

        A detractor's answer ("bad", NPS 6 or less) reopens the ticket, once per ticket.
        """
        if self.status not in (Status.resolved.value, Status.closed.value):
            raise Conflicting("the survey opens once the ticket is resolved", field="status")
        previous = self.doc.get("survey") or {}
        if all(previous.get(k) == survey.get(k) for k in ("rating", "nps", "comment", "answers")):
            return Outcome(self.doc)  # the same answer again: nothing to store or push
        sets: Doc = {"survey": survey}
        entries = [
            history_entry(self.id, "survey", CUSTOMER, previous.get("rating"), survey["rating"])
        ]
        detractor = is_detractor(survey) and not self.held_back and not self.doc.get("detractor_at")
        if detractor:  # once per ticket: back to the team, and its rules' people are told
            sets |= {"status": Status.open.value, "detractor_at": survey["answered_at"]}
            entries.append(history_entry(self.id, "reopened", CUSTOMER, self.status, "detractor"))
        doc = self._apply(sets)
        return Outcome(doc, sets, entries, [TicketUpdated(doc)], detractor=detractor)
