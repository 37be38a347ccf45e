"""What a transport sends and how it fails: one message, one provider answer or an error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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
    """The provider refused or could not be reached; the message says why."""


class Transport(Protocol):
    """Sends one message over one channel and returns the provider's answer."""

    channel: str

    async def send(self, message: Outgoing) -> str:
        """Send, or raise DeliveryFailed (any other exception counts as a failure too)."""
        ...
