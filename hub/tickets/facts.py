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

import math
from array import array
from collections.abc import Iterable
from datetime import datetime
from itertools import chain
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


# Per-day rollups (what long periods are counted from, see hub/store/sqlite_stats.py): one row
# per business, local day, grouping and key, with the counts `GroupFigures` carries and
# histograms of the first-response and resolution minutes. A period longer than
# EXACT_DAYS reads them, and its median and 90th percentile are given at the histograms'
# resolution ("binned"): the nearest-rank value's bin, told by its middle. Bins are 0.1
# minute wide below 10 minutes, then each 2 % wider than the one before (the middle is
# within 1 % of every value in the bin). Because binning keeps the order of values, the
# binned nearest-rank value is exactly `binned(v)` of the exact one `v`: both stores and the
# Python reference give the same answer.
ROLLUP_VERSION = 2  # 2: complaints by point
# Groupings also kept for one category group's tickets alone (the dashboard's complaints by
# point): rows of grouping "<by>@<group>" (and "_held@<group>" for its held-back count).
FILTERED: dict[str, tuple[str, ...]] = {"complaint": ("point",)}
EXACT_DAYS = 31  # periods up to this many days (and an hour, a DST change): exact percentiles
HELD = "_held"  # the rollup grouping that counts held-back tickets (one key: None)
_LINEAR = 100  # bins of 0.1 minute below 10 minutes
_RATIO = 1.02
_LOG_RATIO = math.log(_RATIO)
# A rollup row's counters, in this order (the ratings in RATINGS order after `rs_in`).
COUNTERS: tuple[str, ...] = (
    "count",
    "qr",
    "fr_n",
    "fr_in",
    "rs_n",
    "rs_in",
    *(f"r{i}" for i in range(len(RATINGS))),
    "promoters",
    "passives",
    "detractors",
)


def minute_bin(minutes: float) -> int:
    """The histogram bin of a number of minutes (never negative)."""
    if minutes < 10:
        return max(0, int(minutes * 10))
    return _LINEAR + int(math.log(minutes / 10) / _LOG_RATIO)


def bin_value(bin: int) -> float:
    """The middle of a bin: what a binned percentile says (minute_bin(bin_value(b)) == b)."""
    if bin < _LINEAR:
        return (bin + 0.5) / 10
    return float(10 * _RATIO ** (bin - _LINEAR + 0.5))


def binned(minutes: float | None) -> float | None:
    """`minutes` at the histograms' resolution (None stays None)."""
    return None if minutes is None else bin_value(minute_bin(minutes))


def promise_minutes(sla_hours: Any) -> float:
    """The promise within_sla counts against, from a business's `sla_hours` (48 unset)."""
    return float(sla_hours or 48) * 60


def rollup_dim(by: str, category_group: str | None = None) -> str:
    """The rollup grouping of `by`, over one category group's tickets alone when given."""
    return by if category_group is None else f"{by}@{category_group}"


def rollup_keys(facts: Doc) -> list[tuple[str, Any, str | None]]:
    """The (grouping, key, label) rows a ticket's facts count in: every grouping's, or only
    the held-back count for a held-back ticket (it never reached the staff); and those of
    its category group's FILTERED groupings."""
    group = facts["category_group"]
    if facts["held"]:
        held: list[tuple[str, Any, str | None]] = [(HELD, None, None)]
        return held + ([(rollup_dim(HELD, group), None, None)] if group in FILTERED else [])
    out = [
        (dim, facts[fact], facts[LABEL_FACTS[dim]] if dim in LABEL_FACTS else None)
        for dim, fact in GROUP_FACTS.items()
    ]
    for dim in FILTERED.get(group, ()):
        label = facts[LABEL_FACTS[dim]] if dim in LABEL_FACTS else None
        out.append((rollup_dim(dim, group), facts[GROUP_FACTS[dim]], label))
    return out


def counters(facts: Doc, sla_minutes: float) -> list[int]:
    """What one ticket adds to a rollup row's COUNTERS."""
    first, resolution, rating, nps = (
        facts["first_response"],
        facts["resolution"],
        facts["rating"],
        facts["nps"],
    )
    return [
        1,
        int(bool(facts["qr"])),
        int(first is not None),
        int(first is not None and first <= sla_minutes),
        int(resolution is not None),
        int(resolution is not None and resolution <= sla_minutes),
        *(int(rating == r) for r in RATINGS),
        int(nps is not None and nps >= 9),
        int(nps is not None and 7 <= nps < 9),
        int(nps is not None and nps < 7),
    ]


def pack_histogram(counts: dict[int, int]) -> bytes:
    """A histogram {bin: count} as stored: (bin, count) pairs of unsigned 32-bit integers."""
    return array("I", chain.from_iterable(counts.items())).tobytes()


class Rollup:
    """One rollup row being counted: COUNTERS, the two histograms, and the latest label."""

    __slots__ = ("counts", "first", "label", "label_at", "resolution")

    def __init__(
        self,
        counts: Iterable[int] | None = None,
        first: dict[int, int] | None = None,
        resolution: dict[int, int] | None = None,
        label: str | None = None,
        label_at: str | None = None,
    ) -> None:
        self.counts = list(counts) if counts is not None else [0] * len(COUNTERS)
        self.first = first if first is not None else {}
        self.resolution = resolution if resolution is not None else {}
        self.label = label
        self.label_at = label_at

    def add(self, facts: Doc, label: str | None, sla_minutes: float, sign: int = 1) -> None:
        """Count one ticket in (sign 1) or out (sign -1). Counting out the ticket that gave
        the label leaves it for the caller to find again (`label_at` stays)."""
        for i, n in enumerate(counters(facts, sla_minutes)):
            self.counts[i] += sign * n
        for value, histogram in (
            (facts["first_response"], self.first),
            (facts["resolution"], self.resolution),
        ):
            if value is not None:
                bin = minute_bin(value)
                left = histogram.get(bin, 0) + sign
                if left:
                    histogram[bin] = left
                else:
                    histogram.pop(bin, None)
        if sign > 0 and label is not None and (self.label_at or "") <= facts["created_at"]:
            self.label, self.label_at = label, facts["created_at"]


def first_responder(reply: Doc) -> Doc:
    """Who sent a ticket's first reply, as the ticket keeps it (`first_responder`)."""
    return {"id": reply.get("author_id"), "name": reply.get("author_name")}


__all__ = [
    "COLUMNS",
    "COUNTERS",
    "EXACT_DAYS",
    "FACTS_VERSION",
    "FILTERED",
    "GROUP_FACTS",
    "HELD",
    "LABEL_FACTS",
    "ROLLUP_VERSION",
    "UNCLASSIFIED",
    "Rollup",
    "bin_value",
    "binned",
    "counters",
    "first_responder",
    "minute_bin",
    "minutes_between",
    "nearest_ranks",
    "pack_histogram",
    "promise_minutes",
    "rollup_dim",
    "rollup_keys",
    "ticket_facts",
    "zone_of",
]
