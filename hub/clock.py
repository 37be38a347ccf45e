"""Time and identifiers: one place, so tests and stores agree on formats."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with an explicit offset, millisecond precision (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def now_iso() -> str:
    """Now as `iso` text."""
    return iso(now())


def parse_iso(text: str) -> datetime:
    """Parse text written by `iso`."""
    return datetime.fromisoformat(text)


def new_id() -> str:
    """A new opaque document id."""
    return uuid.uuid4().hex


def new_secret(nbytes: int = 24) -> str:
    """An unguessable URL-safe token (thread links, API tokens)."""
    return secrets.token_urlsafe(nbytes)


class SteppedClock:
    """The real clock plus an offset a test moves forward (`advance`), so checks that look
    for "silent for ten minutes" run without waiting ten minutes. Pass it where a service
    takes `clock` (create_app's kiosk watch, the Sender)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return now() + self.offset

    def advance(self, **amount: float) -> None:
        """Move forward by `timedelta(**amount)` (minutes=11, seconds=30 …)."""
        self.offset += timedelta(**amount)
