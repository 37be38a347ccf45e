"""Threshold alerts as stored and shown, and the pure rules: which SOS count, what a burst is.

A threshold alert watches one access point and/or one category (a value or a group, as
routing rules name them). An SOS counts when it reached the consoles (a held-back one never
does) and matches: its point, and its category — the staff's category, or while staff have
not classified it yet, the category suggested from its text. So staff classifying later may
complete a window that intake could not see.

A burst is `count` counted SOS whose times (`created_at`) fit in `minutes`. The alert fires
once for a burst: it remembers the burst (`burst_from` … `burst_until`) and stays quiet while
SOS keep coming at that pace; `minutes` after the burst's last SOS without the pace reached
again, it is armed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from hub.clock import iso, parse_iso
from hub.ports import Doc
from hub.tickets.model import category_matches

COLLECTION = "alerts"
KIND = "threshold"
COUNT_MIN, COUNT_MAX = 2, 1000
MINUTES_MIN, MINUTES_MAX = 1, 24 * 60
RECIPIENTS_MAX = 50
MAX_ALERTS = 100
NAME_MAX = 120
CONFIG_FIELDS = ("name", "point", "category", "count", "minutes", "recipients", "active")
STATE_FIELDS = ("fired_at", "fires", "burst_from", "burst_until", "last_fire")


NPS_DETRACTOR = 6


def is_detractor(survey: Doc) -> bool:
    """A survey answer that should bring its ticket back: "bad", or an NPS of 0 to 6."""
    nps = survey.get("nps")
    return survey.get("rating") == "bad" or (isinstance(nps, int) and nps <= NPS_DETRACTOR)


def alert_json(doc: Doc) -> dict[str, Any]:
    """An alert as the API shows it (CONTRACT.md), with when it last fired."""
    out: dict[str, Any] = {"id": doc["id"]}
    out.update({k: doc.get(k) for k in CONFIG_FIELDS})
    out["active"] = doc.get("active") is not False
    out["fired_at"] = doc.get("fired_at")
    out["fires"] = int(doc.get("fires") or 0)
    out["last_fire"] = doc.get("last_fire")
    return out


def ticket_category(ticket: Doc) -> str | None:
    """The category an alert counts a ticket by: the staff's, else the text's suggestion."""
    return ticket.get("category") or ticket.get("suggested_category") or None


def counts(alert: Doc, ticket: Doc) -> bool:
    """Whether this ticket counts towards this alert (point and category both fit)."""
    point = alert.get("point")
    if point and (ticket.get("point") or {}).get("code") != point:
        return False
    category = alert.get("category")
    return not category or category_matches(category, ticket_category(ticket))


def densest(times: Sequence[str], around: str, width: timedelta) -> list[str]:
    """The most SOS times in one window `width` long that holds `around` (sorted ISO times).

    At intake `around` is the newest SOS, so this is simply the last `width`; a ticket
    classified late may sit in the middle of its burst.
    """
    moments = sorted(times)
    best: list[str] = []
    start = 0
    for end, last in enumerate(moments):
        last_at = parse_iso(last)
        while parse_iso(moments[start]) < last_at - width:
            start += 1
        window = moments[start : end + 1]
        if window[0] <= around <= window[-1] and len(window) > len(best):
            best = window
    return best


def in_burst(alert: Doc, moment: str, width: timedelta) -> bool:
    """Whether an SOS at `moment` belongs to the burst the alert last fired for."""
    start, until = alert.get("burst_from"), alert.get("burst_until")
    if not start or not until:
        return False
    earliest = iso(parse_iso(str(start)) - width)
    return earliest < moment < str(until)
