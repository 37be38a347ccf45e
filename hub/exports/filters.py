"""Which tickets an export, the words or a report are about: checked, then applied.

The same meaning as the statistics: held-back SOS never reached the staff, so they are
left out, unless `status=quarantined` asks for exactly them; a category is a value, a
group (`complaint` covers its sub-types) or `unclassified` (staff gave none).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import Invalid
from hub.ports import Doc
from hub.tickets.facts import UNCLASSIFIED
from hub.tickets.model import Category, Status, category_matches
from hub.tickets.ticket import Ticket

CODE = re.compile(r"^(kiosk:)?[A-Za-z0-9_-]{1,64}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
FIELDS = ("status", "point", "category", "establishment", "department", "language")


@dataclass(frozen=True)
class TicketFilter:
    status: str | None = None
    point: str | None = None  # a point's code, or `kiosk:<id>`
    category: str | None = None
    establishment: str | None = None
    department: str | None = None
    language: str | None = None

    def where(self) -> dict[str, Any]:
        """The equality filters the store applies itself."""
        where: dict[str, Any] = {}
        if self.status and self.status != Status.quarantined.value:
            where["status"] = self.status  # held back: whatever status it has reached since
        if self.point:
            if self.point.startswith("kiosk:"):
                where["kiosk.id"] = self.point.removeprefix("kiosk:")
            else:
                where["point.code"] = self.point
        for name in ("establishment", "department", "language"):
            value = getattr(self, name)
            if value:
                where[name] = value
        return where

    def keeps(self, ticket: Doc) -> bool:
        """What the store cannot say: held back or not, and the category's group."""
        if Ticket(ticket).held_back != (self.status == Status.quarantined.value):
            return False
        if not self.category:
            return True
        value = ticket.get("category")
        if self.category == UNCLASSIFIED:
            return not value or value not in Category.__members__
        return category_matches(self.category, value)


def _slug(raw: Mapping[str, str | None], name: str, pattern: re.Pattern[str]) -> str | None:
    value = (raw.get(name) or "").strip()
    if not value:
        return None
    if not pattern.match(value):
        raise Invalid(f"{name}: not a valid {name} ({value[:40]!r})", field=name)
    return value


def ticket_filter(raw: Mapping[str, str | None]) -> TicketFilter:
    """A filter from query parameters; Invalid names the field that is wrong."""
    status = (raw.get("status") or "").strip() or None
    if status is not None and status not in Status.__members__:
        raise Invalid(f"status: one of {', '.join(Status)} (got {status[:40]!r})", field="status")
    category = (raw.get("category") or "").strip() or None
    if category is not None and category not in (*Category.__members__, UNCLASSIFIED):
        raise Invalid(
            f"category: a category or group, or {UNCLASSIFIED} (got {category[:40]!r})",
            field="category",
        )
    return TicketFilter(
        status=status,
        point=_slug(raw, "point", CODE),
        category=category,
        establishment=_slug(raw, "establishment", CODE),
        department=_slug(raw, "department", CODE),
        language=_slug(raw, "language", LANGUAGE),
    )
