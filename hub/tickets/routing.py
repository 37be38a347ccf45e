"""Routing rules: who gets an SOS, when, and who is next if nobody acknowledges it.

Pure functions over rule documents (JSON per CONTRACT.md); times in the tenant's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class Recipient:
    """One person to notify, on one channel, in their language."""

    channel: Channel
    to: str
    name: str
    language: str


@dataclass(frozen=True)
class EscalationStep:
    """If nobody has acknowledged after `after_minutes`, notify these."""

    after_minutes: int
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class Plan:
    """Which rules matched, who gets the alert now, and the escalation ladder."""

    rules: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    escalation: tuple[EscalationStep, ...]


def plan_for(rules: object, ticket: object, tenant: object, at: datetime) -> Plan:
    """Placeholder signature; the implementation lands in this module."""
    raise NotImplementedError
