"""The Ticket's rules and the payloads they make, without I/O."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import Conflicting
from hub.tickets.events import (
    CONSOLE_EVENTS,
    EVENT_NAMES,
    EventName,
    MessagePosted,
    NoteAdded,
    TicketCreated,
    TicketHeld,
    TicketUpdated,
)
from hub.tickets.payloads import draft
from hub.tickets.ticket import CUSTOMER, Actor, Ticket

AGENT = Actor("u1", "Ana")


def sos(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "t1",
        "tenant_id": "acme",
        "number": 7,
        "status": "new",
        "text": "No towels",
        "language": "en",
        "translations": {},
        "anonymous": True,
        "contact": None,
        "point": {"code": "bar", "label": "Bar"},
        "thread_token": "secret",
        "created_at": "2026-12-03T10:00:00+00:00",
        "acknowledged_at": None,
        "first_response_at": None,
        "message_count": 0,
        "repeat_count": 0,
        "quarantine_reason": None,
        "ip": "198.51.100.7",
        "device_id": "d1",
    }
    return doc | extra


def held() -> Ticket:
    return Ticket(Ticket(sos()).admit("offensive").ticket)


def test_the_event_names_are_the_contracts_and_the_pages_get_them_as_data() -> None:
    assert {e.value for e in CONSOLE_EVENTS} == {
        "ticket.created",
        "ticket.updated",
        "ticket.message",
        "ticket.note",
        "ticket.attachment",  # an addition to the contract's four: photos
    }
    assert EVENT_NAMES["ticket_created"] == "ticket.created"
    assert EVENT_NAMES["message_posted"] == "ticket.message"


def test_an_admitted_sos_is_created_for_consoles_without_secrets() -> None:
    outcome = Ticket(sos()).admit(None)
    assert outcome.new and outcome.accepted
    [event] = outcome.events
    assert isinstance(event, TicketCreated)
    stored = draft(event)
    assert stored.name == "ticket.created" and stored.customer is None
    assert stored.staff is not None
    assert not {"thread_token", "ip", "device_id", "tenant_id"} & set(stored.staff)


def test_a_held_sos_is_stored_and_pushed_to_no_one() -> None:
    outcome = Ticket(sos()).admit("offensive")
    assert outcome.new and not outcome.accepted
    assert outcome.ticket["status"] == "quarantined" and outcome.ticket["held"] is True
    [event] = outcome.events
    assert isinstance(event, TicketHeld)
    assert draft(event).staff is None and draft(event).customer is None


@pytest.mark.parametrize("path", ["closed", "closed-then-open"])
def test_whatever_staff_do_to_a_held_sos_stays_off_the_consoles(path: str) -> None:
    ticket = held()
    for status in path.replace("-then-", " ").split():
        ticket = Ticket(ticket.change(AGENT, status=status).ticket)
    assert ticket.held_back and not ticket.visible_to_staff
    for outcome in (
        ticket.change(AGENT, category="complaint"),
        ticket.merge_repeat({"text": "again", "contact": None, "created_at": "x"}),
        ticket.add_note(AGENT, "checked")[0],
        ticket.customer_writes("hello?")[0],
    ):
        assert outcome.events, "the change is still recorded as an event"
        assert all(draft(e).staff is None for e in outcome.events)
    with pytest.raises(Conflicting):
        ticket.reply(AGENT, "Hello")


def test_releasing_a_held_sos_creates_it_once_for_the_consoles() -> None:
    outcome = held().release(AGENT)
    assert outcome.accepted
    assert [type(e) for e in outcome.events] == [TicketCreated]
    assert draft(outcome.events[0]).staff is not None
    assert Ticket(outcome.ticket).visible_to_staff


def test_only_a_held_sos_can_be_released() -> None:
    with pytest.raises(Conflicting):
        Ticket(sos()).release(AGENT)


def test_a_reply_acknowledges_answers_and_waits_for_the_customer() -> None:
    outcome, message = Ticket(sos()).reply(AGENT, "On its way")
    assert outcome.acknowledged
    assert outcome.ticket["status"] == "waiting_customer"
    assert outcome.ticket["first_response_at"] == message["created_at"]
    assert [type(e) for e in outcome.events] == [MessagePosted, TicketUpdated]
    posted = draft(outcome.events[0])
    shared = ("id", "ticket_id", "text", "translations", "created_at")
    assert posted.staff == {
        "ticket_id": "t1",
        "message": {k: message.get(k) for k in (*shared, "author", "author_name")},
    }
    # The customer is told who answered, by name (CONTRACT.md: `author: {"name"}`).
    assert posted.customer == {
        "ticket_id": "t1",
        "message": {
            **{k: message.get(k) for k in shared},
            "from": "staff",
            "author": {"name": AGENT.name},
        },
    }


def test_a_customer_answer_reopens_a_waiting_ticket() -> None:
    waiting = Ticket(Ticket(sos()).reply(AGENT, "Which room?")[0].ticket)
    outcome, _ = waiting.customer_writes("Room 12")
    assert outcome.ticket["status"] == "open"
    history = [e for e in outcome.entries if e["kind"] == "history"]
    assert history[0]["by"] == CUSTOMER.name and history[0]["to"] == "open"


def test_a_held_customer_message_is_stored_but_changes_nothing_staff_see() -> None:
    waiting = Ticket(Ticket(sos()).reply(AGENT, "Which room?")[0].ticket)
    outcome, message = waiting.customer_writes("buy cheap pills", held_reason="spam")
    assert message["held_reason"] == "spam"
    assert outcome.ticket["status"] == "waiting_customer"
    assert [type(e) for e in outcome.events] == [MessagePosted]
    assert draft(outcome.events[0]).staff is None


def test_notes_never_reach_the_customer() -> None:
    outcome, note = Ticket(sos()).add_note(AGENT, "Guest is a regular")
    [event] = outcome.events
    assert isinstance(event, NoteAdded) and event.name is EventName.note_added
    assert draft(event).customer is None
    assert draft(event).staff == {
        "ticket_id": "t1",
        "note": {
            "id": note["id"],
            "ticket_id": "t1",
            "author_id": "u1",
            "author_name": "Ana",
            "text": "Guest is a regular",
            "created_at": note["created_at"],
        },
    }


def test_the_same_survey_answer_again_changes_nothing() -> None:
    resolved = Ticket(Ticket(sos()).change(AGENT, status="resolved").ticket)
    answer = {"rating": "good", "nps": 9, "comment": None, "answered_at": "x"}
    first = resolved.answer_survey(answer)
    assert first.changed
    assert not Ticket(first.ticket).answer_survey({**answer, "answered_at": "y"}).changed
