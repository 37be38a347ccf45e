"""Time and identifiers: one place, so tests and stores agree on formats."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime


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
