"""Ticket rules without I/O: the status life, categories, text, and what each audience sees."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import Conflicting, Invalid
from hub.tickets.model import (
    TRANSITIONS,
    Category,
    Status,
    check_category,
    check_transition,
    clean_text,
    customer_ticket,
    message_json,
    note_json,
    staff_ticket,
)

LIFE = [
    ("new", "acknowledged"),
    ("acknowledged", "waiting_customer"),
    ("waiting_customer", "open"),
    ("open", "waiting_customer"),
    ("open", "resolved"),
    ("waiting_customer", "resolved"),
    ("resolved", "closed"),
]
NEVER = [
    ("acknowledged", "new"),
    ("open", "new"),
    ("open", "acknowledged"),
    ("resolved", "acknowledged"),
    ("resolved", "waiting_customer"),
    ("closed", "new"),
    ("closed", "resolved"),
    ("quarantined", "open"),
    ("quarantined", "resolved"),
]


def test_the_contract_statuses_are_exactly_these() -> None:
    assert {s.value for s in Status} == {
        "new",
        "acknowledged",
        "open",
        "waiting_customer",
        "resolved",
        "closed",
        "quarantined",
    }
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("current", "target"), LIFE)
def test_each_step_of_the_ticket_life_is_allowed(current: str, target: str) -> None:
    assert check_transition(current, target) == Status(target)


@pytest.mark.parametrize(("current", "target"), NEVER)
def test_a_step_backwards_is_a_conflict(current: str, target: str) -> None:
    with pytest.raises(Conflicting) as caught:
        check_transition(current, target)
    assert caught.value.field == "status" and caught.value.status == 409


def test_only_a_filter_quarantines_and_nothing_moves_to_itself() -> None:
    for current, targets in TRANSITIONS.items():
        assert Status.quarantined not in targets, current
        assert current not in targets, current
    assert set(TRANSITIONS[Status.quarantined]) == {Status.new, Status.closed}


def test_every_status_but_quarantined_is_reachable_from_new() -> None:
    seen, todo = {Status.new}, [Status.new]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Status) - {Status.quarantined}


def test_an_unknown_status_is_invalid_and_names_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        check_transition("new", "done")
    assert caught.value.field == "status" and caught.value.status == 400
    assert "acknowledged" in caught.value.message  # tells which values exist


def test_categories_are_checked_and_empty_clears() -> None:
    for c in Category:
        assert check_category(c.value) == c.value
    assert check_category(None) is None and check_category("") is None
    with pytest.raises(Invalid) as caught:
        check_category("rant")
    assert caught.value.field == "category"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  hello  ", "hello"), ("a\x00b", "ab"), ("x" * 2000, "x" * 2000), (" é ", "é")],
)
def test_text_is_trimmed_and_freed_of_nul(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\x00 \x00", "x" * 2001])
def test_empty_or_too_long_text_is_invalid_naming_the_field(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean_text(raw, "reply")
    assert caught.value.field == "reply" and "reply" in caught.value.message


def _ticket(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "t1",
        "tenant_id": "tenant-1",
        "number": 7,
        "status": "waiting_customer",
        "text": "The music is too loud",
        "language": "en",
        "translations": {"es": "La música está muy alta"},
        "anonymous": False,
        "contact": {"name": "Ana", "email": "ana@example.com", "phone": "+34600111222"},
        "point": {"code": "bar-1", "label": "Bar terrace"},
        "department": "bar",
        "category": "complaint",
        "assignee": {"id": "u1", "name": "Marcos"},
        "description": "Table 4, again",
        "thread_token": "SECRET-THREAD-TOKEN",
        "device_id": "dev-1",
        "ip": "10.0.0.7",
        "created_at": "2026-11-29T18:07:44.000+00:00",
        "first_response_at": "2026-11-29T18:09:00.000+00:00",
        "resolved_at": None,
        "quarantine_reason": None,
    }
    return {**doc, **changes}


def test_the_customer_sees_no_staff_only_field() -> None:
    seen = customer_ticket(_ticket())
    for hidden in (
        "contact",
        "thread_token",
        "assignee",
        "description",
        "category",
        "department",
        "tenant_id",
        "device_id",
        "ip",
        "quarantine_reason",
        "first_response_at",
        "seq",
    ):
        assert hidden not in seen, hidden
    text = str(seen)
    for secret in (
        "SECRET-THREAD-TOKEN",
        "Marcos",
        "ana@example.com",
        "Table 4",
        "10.0.0.7",
        "bar-1",
        "tenant-1",
    ):
        assert secret not in text, secret
    assert seen["text"] == "The music is too loud" and seen["number"] == 7
    assert seen["point"] == {"label": "Bar terrace"}
    assert seen["translations"] == {"es": "La música está muy alta"}


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("new", "received"),
        ("quarantined", "received"),
        ("acknowledged", "being_handled"),
        ("open", "being_handled"),
        ("waiting_customer", "being_handled"),
        ("resolved", "resolved"),
        ("closed", "resolved"),
    ],
)
def test_the_customer_reads_the_status_in_words_and_never_learns_of_quarantine(
    status: str, words: str
) -> None:
    assert customer_ticket(_ticket(status=status))["status"] == words


def test_staff_see_everything_but_the_thread_secret_and_the_origin() -> None:
    seen = staff_ticket(_ticket())
    assert "thread_token" not in seen and "SECRET-THREAD-TOKEN" not in str(seen)
    assert "tenant_id" not in seen and "ip" not in seen and "device_id" not in seen
    assert seen["contact"]["email"] == "ana@example.com"
    assert seen["assignee"] == {"id": "u1", "name": "Marcos"}


def test_staff_see_no_contact_on_an_anonymous_ticket() -> None:
    seen = staff_ticket(_ticket(anonymous=True))
    assert seen["contact"] is None and "ana@example.com" not in str(seen)


def test_messages_and_notes_show_only_their_public_fields() -> None:
    entry = {
        "id": "m1",
        "ticket_id": "t1",
        "tenant_id": "tenant-1",
        "kind": "message",
        "author": "staff",
        "author_name": "Marcos",
        "text": "On it",
        "translations": {},
        "created_at": "2026-11-29T18:09:00.000+00:00",
        "author_id": "u1",
    }
    assert "tenant_id" not in message_json(entry) and "author_id" not in message_json(entry)
    assert message_json(entry)["text"] == "On it"
    note = {**entry, "kind": "note"}
    assert "tenant_id" not in note_json(note) and note_json(note)["author_id"] == "u1"
