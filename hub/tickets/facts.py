"""A ticket's statistics facts: what the store groups and counts, worked out at write time.

The dashboard's figures are answered by the store (SQL `GROUP BY`, Mongo pipelines), not by
loading tickets into Python. Both stores keep, beside each ticket, the flat record below:
its local day, month, hour and weekday in the business's time zone (Mongo cannot compute
them in a pipeline on the mock, and SQLite would need Python for every row), its group keys
(category "unclassified" when staff gave none, the point or kiosk), its first-response and
resolution minutes, the staff member who sent the first reply, and the survey answer.

The stores call `ticket_facts` on every write of a ticket (hub/store/sqlite.py keeps them
in the `ticket_facts` table, hub/store/mongo.py in the ticket's hidden `facts` field) and
again for every ticket of a business whose time zone changes. `FACTS_VERSION` tells old
records apart: a store brings older ones up to date when it opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.ports import Doc
from hub.tickets.model import RATINGS, Category, category_group, held_back

FACTS_VERSION = 1
UNCLASSIFIED = "unclassified"  # a ticket staff have not given a category
# The groupings a store answers and the fact each one groups on.
GROUP_FACTS: dict[str, str] = {
    "status": "status",
    "category": "category",
    "category_group": "category_group",
    "point": "point",
    "establishment": "establishment",
    "department": "department",
    "language": "language",
    "day": "day",
    "hour": "hour",
    "weekday": "weekday",
    "month": "month",
    "weekday_hour": "weekday_hour",
    "agent": "agent",
}
# The groupings whose groups carry a label for people (the latest one a ticket gave).
LABEL_FACTS: dict[str, str] = {"point": "point_label", "agent": "agent_name"}
# Every fact, in the order of the SQLite table's columns (after id and tenant_id).
COLUMNS: tuple[str, ...] = (
    "v",
    "tz",
    "created_at",
    "held",
    "qr",
    "status",
    "category",
    "category_group",
    "point",
    "point_label",
    "establishment",
    "department",
    "language",
    "day",
    "month",
    "hour",
    "weekday",
    "weekday_hour",
    "agent",
    "agent_name",
    "first_response",
    "resolution",
    "rating",
    "nps",
)


def zone_of(timezone: Any) -> ZoneInfo:
    """The business's zone (UTC when it names none or an unknown one)."""
    try:
        return ZoneInfo(str(timezone or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def minutes_between(start: Any, end: Any) -> float | None:
    """Minutes from `start` to `end` (ISO times), never negative; None when one is missing."""
    if not start or not end:
        return None
    seconds = (
        datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))
    ).total_seconds()
    return max(0.0, seconds / 60)


def _point(doc: Doc) -> tuple[str | None, str | None]:
    point = doc.get("point") or {}
    if isinstance(point, dict) and point.get("code"):
        return str(point["code"]), point.get("label")
    kiosk = doc.get("kiosk") or {}
    if isinstance(kiosk, dict) and kiosk.get("id"):
        return f"kiosk:{kiosk['id']}", kiosk.get("name")
    return None, None


def _category(doc: Doc) -> tuple[str, str]:
    value = doc.get("category")
    if not value or value not in Category.__members__:
        return UNCLASSIFIED, UNCLASSIFIED
    return str(value), category_group(str(value))


def _survey(doc: Doc) -> tuple[str | None, int | None]:
    survey = doc.get("survey") or {}
    if not isinstance(survey, dict):
        return None, None
    rating = survey.get("rating") if survey.get("rating") in RATINGS else None
    nps = survey.get("nps")
    return rating, nps if isinstance(nps, int) and not isinstance(nps, bool) else None


def _local(created_at: str, zone: ZoneInfo) -> dict[str, Any]:
    local = datetime.fromisoformat(created_at).astimezone(zone)
    return {
        "day": local.date().isoformat(),
        "month": local.strftime("%Y-%m"),
        "hour": local.hour,
        "weekday": local.isoweekday(),  # Monday = 1, as in routing rules
        "weekday_hour": f"{local.isoweekday()}-{local.hour:02d}",
    }


def ticket_facts(doc: Doc, timezone: Any) -> Doc | None:
    """The ticket's facts in the business's `timezone`; None for a ticket without a date."""
    created = doc.get("created_at")
    if not created:
        return None
    try:
        local = _local(str(created), zone_of(timezone))
    except ValueError:
        return None
    point, point_label = _point(doc)
    category, group = _category(doc)
    rating, nps = _survey(doc)
    responder = doc.get("first_responder") or {}
    if not isinstance(responder, dict):
        responder = {}
    return {
        "v": FACTS_VERSION,
        "tz": str(timezone or "UTC"),
        "created_at": str(created),
        "held": held_back(doc),
        "qr": doc.get("source") != "kiosk",
        "status": doc.get("status"),
        "category": category,
        "category_group": group,
        "point": point,
        "point_label": point_label,
        "establishment": doc.get("establishment"),
        "department": doc.get("department"),
        "language": doc.get("language"),
        **local,
        "agent": responder.get("id"),
        "agent_name": responder.get("name"),
        "first_response": minutes_between(created, doc.get("first_response_at")),
        "resolution": minutes_between(created, doc.get("resolved_at")),
        "rating": rating,
        "nps": nps,
    }


def nearest_ranks(values: list[float]) -> tuple[float | None, float | None]:
    """Median and 90th percentile by nearest rank (ranks ceil(n/2) and ceil(0.9 n)) of
    `values`, sorted here in place; (None, None) when empty."""
    if not values:
        return None, None
    values.sort()
    n = len(values)
    return values[(n + 1) // 2 - 1], values[(9 * n + 9) // 10 - 1]


def first_responder(reply: Doc) -> Doc:
    """Who sent a ticket's first reply, as the ticket keeps it (`first_responder`)."""
    return {"id": reply.get("author_id"), "name": reply.get("author_name")}


__all__ = [
    "COLUMNS",
    "FACTS_VERSION",
    "GROUP_FACTS",
    "LABEL_FACTS",
    "UNCLASSIFIED",
    "first_responder",
    "minutes_between",
    "nearest_ranks",
    "ticket_facts",
    "zone_of",
]
