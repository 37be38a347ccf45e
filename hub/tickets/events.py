"""What happened to a ticket: past-tense events, named once for the server and the pages.

A ticket's rules (`hub.tickets.ticket.Ticket`) return these; the unit of work
(`hub.tickets.unit_of_work`) turns them into stored events with each audience's payload
(`hub.tickets.payloads`) and publishes them. The wire names are the contract's; consoles
and the thread page receive them from `EVENT_NAMES` (a template global, `hub/app.py`), so no
page types them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from hub.ports import Doc


class EventName(StrEnum):
    """The names of the events stored and pushed (Socket.IO event names in the contract)."""

    ticket_created = "ticket.created"
    ticket_updated = "ticket.updated"
    ticket_held = "ticket.quarantined"
    message_posted = "ticket.message"
    message_translated = "ticket.message.updated"
    note_added = "ticket.note"
    attachment_added = "ticket.attachment"


# What a console listens to; `resume` replays these by their original names.
CONSOLE_EVENTS = (
    EventName.ticket_created,
    EventName.ticket_updated,
    EventName.message_posted,
    EventName.note_added,
    EventName.attachment_added,
)

# For the pages: {"ticket_created": "ticket.created", …}, handed to the scripts as data.
EVENT_NAMES: dict[str, str] = {e.name: e.value for e in EventName}


@dataclass(frozen=True)
class TicketEvent:
    """Something that happened to `ticket` (its state after the change)."""

    name: ClassVar[EventName]
    ticket: Doc


@dataclass(frozen=True)
class TicketCreated(TicketEvent):
    """A new SOS reached the consoles (or a held-back one was released): staff only."""

    name: ClassVar[EventName] = EventName.ticket_created


@dataclass(frozen=True)
class TicketHeld(TicketEvent):
    """A filter held an SOS back: stored for the record, pushed to no one."""

    name: ClassVar[EventName] = EventName.ticket_held


@dataclass(frozen=True)
class TicketUpdated(TicketEvent):
    """Status, category, assignee, translation, survey … changed: staff and the customer."""

    name: ClassVar[EventName] = EventName.ticket_updated


@dataclass(frozen=True)
class MessagePosted(TicketEvent):
    """A message of the conversation (customer or staff): both audiences."""

    name: ClassVar[EventName] = EventName.message_posted
    message: Doc


@dataclass(frozen=True)
class MessageTranslated(TicketEvent):
    """A message's translation arrived: both audiences."""

    name: ClassVar[EventName] = EventName.message_translated
    message: Doc


@dataclass(frozen=True)
class NoteAdded(TicketEvent):
    """An internal note: staff only, never the customer."""

    name: ClassVar[EventName] = EventName.note_added
    note: Doc


@dataclass(frozen=True)
class AttachmentAdded(TicketEvent):
    """A photo joined the conversation (on its own or with a message): both audiences,
    each with the address it may open it at; staff only once the ticket is not held back."""

    name: ClassVar[EventName] = EventName.attachment_added
    attachment: Doc
