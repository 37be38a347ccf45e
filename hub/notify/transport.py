"""What a transport sends and how it fails: one message, one provider answer or an error."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Outgoing:
    """One rendered notification for one address (e-mail: subject and HTML too)."""

    channel: str
    to: str
    text: str
    subject: str = ""
    html: str | None = None
    sender: str | None = None
    reference: str | None = None  # the outbox item id, passed to providers that keep one


class DeliveryFailed(Exception):
    """The provider refused or could not be reached; the message says why.

    `permanent` is for a refusal that trying again cannot change (an address the server
    rejects, a number that is not one): the item fails at once. Anything else (a server
    away, a time-out, a 4xx SMTP answer, throttling) is retried for hours.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    """Sends one message over one channel and returns the provider's answer."""

    channel: str

    async def send(self, message: Outgoing) -> str:
        """Send, or raise DeliveryFailed (any other exception counts as a failure too)."""
        ...


@runtime_checkable
class Reconciling(Protocol):
    """A transport that can tell whether the provider already accepted a message.

    A worker killed between the provider's acceptance and the outbox's record leaves an
    item that looks unsent. Before such an item is sent again, the sender asks the
    provider, by the item id it passed as the message's reference.
    """

    async def accepted(self, message: Outgoing, since: datetime) -> str | None:
        """The provider's word on an earlier acceptance of `message`, or None when none.

        Raises when the provider cannot say (the sender then sends: an alert twice beats
        no alert).
        """
        ...
