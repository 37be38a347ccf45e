"""What each audience receives of a ticket event: the one place payloads are built.

Live pushes, a console's `resume` and `GET /api/v1/events` all read what is stored here,
so the three can never disagree. The held-back rule lives in `Ticket.visible_to_staff`:
an event about a ticket held back by a filter carries no staff payload at all, whichever
service produced it (a status change, a translation, a delivery, a survey, a repeat).
"""

from __future__ import annotations

from typing import Any

from hub.ports import Doc, EventDraft
from hub.tickets.events import (
    AttachmentAdded,
    MessagePosted,
    MessageTranslated,
    NoteAdded,
    TicketCreated,
    TicketEvent,
    TicketHeld,
    TicketUpdated,
)
from hub.tickets.model import (
    attachment_json,
    customer_attachment_json,
    customer_message_json,
    customer_ticket,
    message_json,
    note_json,
    shown_to_staff,
    staff_attachments_path,
    staff_ticket,
    thread_attachments_path,
)
from hub.tickets.ticket import Ticket


def _message_payload(ticket: Doc, message: Doc) -> dict[str, Any]:
    return {"ticket_id": ticket["id"], "message": message_json(message)}


def _customer_message_payload(ticket: Doc, message: Doc) -> dict[str, Any]:
    return {"ticket_id": ticket["id"], "message": customer_message_json(message)}


def staff_payload(event: TicketEvent) -> dict[str, Any] | None:
    """The consoles' payload, or None when no console may see this event."""
    if not Ticket(event.ticket).visible_to_staff or isinstance(event, TicketHeld):
        return None
    if isinstance(event, (TicketCreated, TicketUpdated)):
        return staff_ticket(event.ticket)
    if isinstance(event, (MessagePosted, MessageTranslated)):
        if event.message.get("held_reason"):
            return None  # a message a filter held back stays off the consoles too
        return _message_payload(event.ticket, event.message)
    if isinstance(event, NoteAdded):
        return {"ticket_id": event.ticket["id"], "note": note_json(event.note)}
    if isinstance(event, AttachmentAdded):
        if not shown_to_staff(event.attachment):
            return None  # held with its message: off the consoles, like the message
        base = staff_attachments_path(event.ticket["id"])
        return {
            "ticket_id": event.ticket["id"],
            "attachment": attachment_json(event.attachment, base),
        }
    raise TypeError(f"no staff payload for {type(event).__name__}")


def customer_payload(event: TicketEvent) -> dict[str, Any] | None:
    """The thread page's payload (never a seq, never staff-only fields), or None."""
    if isinstance(event, TicketUpdated):
        return customer_ticket(event.ticket)
    if isinstance(event, (MessagePosted, MessageTranslated)):
        return _customer_message_payload(event.ticket, event.message)
    if isinstance(event, AttachmentAdded):
        base = thread_attachments_path(event.ticket["thread_token"])
        return {
            "ticket_id": event.ticket["id"],
            "attachment": customer_attachment_json(event.attachment, base),
        }
    return None  # created, held and notes are not the customer's business


def draft(event: TicketEvent) -> EventDraft:
    """The event as stored: its name, its ticket, and what each audience will get."""
    return EventDraft(
        event.name.value, event.ticket["id"], staff_payload(event), customer_payload(event)
    )
