"""The seams around intake: a guard that screens each SOS, listeners told what happened.

The guard (filters, blocks, repeats) decides before the SOS is pushed; listeners
(routing and delivery) act after the change is stored and published.
Neither can lose an SOS: a failing guard accepts, a failing listener is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hub.ports import Doc

Action = Literal["accept", "quarantine", "merge"]


@dataclass(frozen=True)
class Verdict:
    """What to do with an incoming SOS."""

    action: Action = "accept"
    reason: str | None = None
    merge_into: str | None = None  # the earlier ticket's id, when action == "merge"


ACCEPT = Verdict()


class IntakeGuard(Protocol):
    """Screens an SOS (not yet numbered nor stored) for spam, offence, repeats, blocks."""

    async def screen(self, tenant: Doc, ticket: Doc) -> Verdict: ...

    def senders(self, ticket: Doc) -> list[str]:
        """Keys naming the SOS's sender for repeats (none when it cannot be told): SOS that
        share one are screened one at a time, so a repeat sees the ticket it repeats."""
        ...

    async def screen_message(self, tenant: Doc, ticket: Doc, text: str) -> Verdict:
        """A customer's message on their thread: "quarantine" (held, with a reason) or accept.

        The same text filters and blocks as an SOS (the ticket's sender), never a merge.
        """
        ...


class TicketListener(Protocol):
    """Told after a stored change was published; must not raise into the request."""

    async def ticket_accepted(self, tenant: Doc, ticket: Doc) -> None:
        """A new SOS reached the consoles (fresh, or released from quarantine)."""

    async def staff_replied(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Staff answered the customer."""

    async def ticket_acknowledged(self, tenant: Doc, ticket: Doc) -> None:
        """Someone took the ticket: escalation stops."""

    async def ticket_held(self, tenant: Doc, ticket: Doc) -> None:
        """A filter held a new SOS back (`quarantine_reason` says why)."""

    async def category_changed(self, tenant: Doc, ticket: Doc) -> None:
        """Staff confirmed or changed the ticket's category (rules on categories route now)."""

    async def message_held(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """A filter held a customer's thread message back (`held_reason` says why)."""

    # Optional: TicketService skips a listener without it (hub/surveys/invitations.py has it).
    # async def ticket_resolved(self, tenant: Doc, ticket: Doc) -> None:
    #     """Staff resolved the ticket (again, after a reopening: told each time)."""
    async def ticket_detractor(self, tenant: Doc, ticket: Doc) -> None:
        """A "bad" rating or NPS <= 6 reopened a resolved ticket (once per ticket)."""
