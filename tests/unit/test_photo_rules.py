"""A photo's rules without I/O: which message it may join, who sees it, what it changes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from hub.attachments.photos import clean_photo
from hub.clock import iso, now
from hub.errors import Conflicting, Invalid, TooLarge
from hub.ports import Doc
from hub.tickets.events import AttachmentAdded, TicketUpdated
from hub.tickets.payloads import customer_payload, staff_payload
from hub.tickets.ticket import CUSTOMER, Actor, Ticket

AGENT = Actor("u1", "Agent Ana")


def _ticket(**fields: object) -> Doc:
    doc: Doc = {
        "id": "t1",
        "tenant_id": "acme",
        "number": 7,
        "status": "waiting_customer",
        "thread_token": "secret-token",
        "created_at": iso(now()),
        "held": False,
    }
    return {**doc, **fields}


def _photo(author: str = "customer", **fields: object) -> Doc:
    return {
        "id": "p1",
        "ticket_id": "t1",
        "kind": "attachment",
        "author": author,
        "created_at": iso(now()),
        "content_type": "image/jpeg",
        "size": 10,
        **fields,
    }


def _message(author: str, minutes_ago: int = 1, **fields: object) -> Doc:
    sent = iso(now() - timedelta(minutes=minutes_ago))
    return {
        "id": "m1",
        "ticket_id": "t1",
        "kind": "message",
        "author": author,
        "created_at": sent,
        **fields,
    }


def test_a_photo_joins_the_sos_or_a_recent_message_of_the_same_side_only() -> None:
    ticket = Ticket(_ticket())
    assert ticket.attach(_photo(), CUSTOMER, ticket.doc).entries[0]["message_id"] == "t1"
    joined = ticket.attach(_photo("staff"), AGENT, _message("staff"))
    assert joined.entries[0]["message_id"] == "m1"
    with pytest.raises(Invalid, match="of your own"):
        ticket.attach(_photo("staff"), AGENT, _message("customer"))
    with pytest.raises(Invalid, match="no such message"):
        ticket.attach(_photo("staff"), AGENT, ticket.doc)  # the SOS is the customer's
    with pytest.raises(Invalid, match="no such message"):
        ticket.attach(_photo(), CUSTOMER, _message("customer", ticket_id="other"))
    with pytest.raises(Invalid, match="within 60 minutes"):
        ticket.attach(_photo(), CUSTOMER, _message("customer", minutes_ago=61))


def test_a_customers_photo_on_its_own_reopens_a_waiting_ticket_and_reaches_both_sides() -> None:
    outcome = Ticket(_ticket()).attach(_photo(), CUSTOMER)
    assert outcome.sets["status"] == "open"
    added, updated = outcome.events
    assert isinstance(added, AttachmentAdded) and isinstance(updated, TicketUpdated)
    staff, customer = staff_payload(added), customer_payload(added)
    assert staff is not None and customer is not None
    assert staff["attachment"]["url"] == "/api/v1/tickets/t1/attachments/p1"
    assert customer["attachment"]["url"] == "/api/v1/thread/secret-token/attachments/p1"
    assert "secret-token" not in str(staff)


def test_held_back_photos_stay_off_the_consoles_and_staff_cannot_add_to_a_held_ticket() -> None:
    held_ticket = Ticket(_ticket(status="quarantined", held=True))
    with pytest.raises(Conflicting):
        held_ticket.attach(_photo("staff"), AGENT)
    outcome = held_ticket.attach(_photo(), CUSTOMER, held_ticket.doc)
    assert staff_payload(outcome.events[0]) is None  # the ticket is held: no console sees it
    assert customer_payload(outcome.events[0]) is not None  # its customer is never told

    with_held_message = Ticket(_ticket()).attach(
        _photo(), CUSTOMER, _message("customer", held_reason="offensive")
    )
    assert with_held_message.entries[0]["held_reason"] == "offensive"
    assert staff_payload(with_held_message.events[0]) is None
    assert "status" not in with_held_message.sets  # a held photo reopens nothing


def test_a_photo_is_cleaned_bounded_and_refused_when_it_is_no_photo() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4000, 1000), (10, 20, 30)).save(out, "JPEG")
    photo = clean_photo(out.getvalue())
    assert (photo.width, photo.height) == (2048, 512)
    assert max(Image.open(io.BytesIO(photo.thumbnail)).size) == 320
    with pytest.raises(Invalid, match=r"^file:"):
        clean_photo(b"GIF89a not really")
    with pytest.raises(TooLarge):
        clean_photo(b"\xff" * (8 * 1024 * 1024 + 1))
