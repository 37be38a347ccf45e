"""Opening hours: is the business open at a moment, and when does it open next. Pure.

A business's `opening_hours` (CONTRACT.md, "Second wave") is a list of ranges
`{"weekdays": [1–7, Monday = 1], "from": "HH:MM", "to": "HH:MM"}` in its time zone, or null:
always open. Read the same way as a routing rule's schedule (hub/tickets/routing.py): a
range whose `from` is later than its `to` crosses midnight and belongs to the day it
started on ("Friday 20:00–02:00" is open on Saturday at 01:00); `from` equal to `to` is the
whole day; `to` "24:00" closes at the next midnight; no weekdays is every day. Local times
are turned into absolute ones day by day, so a daylight-saving change moves the opening in
UTC, never in the business's clock.
Ranges that cannot be read (a bad time, a weekday 9) are skipped: the customer is told
less, never something false.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEK = 7


MIDNIGHT = "24:00"  # an end only: the range closes at the next day's 00:00


def _hhmm(text: Any) -> time | None:
    try:
        hours, minutes = str(text).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def _ranges(
    hours: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[frozenset[int], time, time, bool]]:
    """Each readable range: its weekdays, start, end, and whether it closes the next day."""
    for entry in hours:
        if not isinstance(entry, Mapping):
            continue
        # "24:00" (which the settings accept as an end) is the next day's midnight: read as a
        # time it does not exist, and the range was skipped ("open until midnight" read as
        # closed all day).
        midnight = entry.get("to") == MIDNIGHT
        start = _hhmm(entry.get("from"))
        end = time(0, 0) if midnight else _hhmm(entry.get("to"))
        days = entry.get("weekdays") or range(1, WEEK + 1)
        if start is None or end is None or not isinstance(days, list | range):
            continue
        weekdays = frozenset(d for d in days if isinstance(d, int) and 1 <= d <= WEEK)
        if weekdays:
            yield weekdays, start, end, midnight or not start < end


def _local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local day, in UTC (a time skipped by DST lands just after)."""
    return datetime.combine(day, moment, zone).astimezone(UTC)


def _intervals(
    hours: Sequence[Mapping[str, Any]], first: date, days: int, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """Every open interval (UTC) of the ranges starting on `days` local days from `first`."""
    ranges = list(_ranges(hours))
    for offset in range(days):
        day = first + timedelta(days=offset)
        for weekdays, start, end, next_day in ranges:
            if day.isoweekday() not in weekdays:
                continue
            close_day = day + timedelta(days=1) if next_day else day
            yield _local(day, start, zone), _local(close_day, end, zone)


def always_open(hours: Any) -> bool:
    """No opening hours (null or an empty list): the business says it is always open."""
    return not isinstance(hours, list) or not hours


def is_open(hours: Any, at: datetime, timezone: str) -> bool:
    """Whether the business is open at `at` (an aware time)."""
    if always_open(hours):
        return True
    zone = ZoneInfo(timezone)
    moment = at.astimezone(UTC)
    yesterday = moment.astimezone(zone).date() - timedelta(days=1)  # its overnight ranges
    return any(start <= moment < end for start, end in _intervals(hours, yesterday, 2, zone))


def next_opening(hours: Any, at: datetime, timezone: str) -> datetime | None:
    """When the business opens next after `at`, in UTC; None when it is open at `at`
    (or always), and when its hours name no day it ever opens."""
    if is_open(hours, at, timezone):
        return None
    zone = ZoneInfo(timezone)
    moment = at.astimezone(UTC)
    today = moment.astimezone(zone).date()
    starts = [start for start, _ in _intervals(hours, today, WEEK + 1, zone) if start > moment]
    return min(starts, default=None)


def open_from(hours: Any, at: datetime, timezone: str) -> datetime:
    """`at` when the business is open then, else its next opening (`at` if it never opens)."""
    return next_opening(hours, at, timezone) or at
