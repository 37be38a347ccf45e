"""Routing rules: who gets an SOS, when, and who is next if nobody acknowledges it.

Pure functions over rule documents (their JSON is in CONTRACT.md). Schedules are read in
the tenant's time zone (or the rule's own `schedule.timezone`). A time range whose
`from` is later than its `to` crosses midnight, and its early-morning part belongs to the
day it started on: "Friday 22:00–02:00" matches Saturday at 01:00, not Sunday at 01:00.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hub.tickets.model import category_matches

Channel = Literal["email", "sms"]
Doc = Mapping[str, Any]


@dataclass(frozen=True)
class Recipient:
    """One person to notify, on one channel, in their language."""

    channel: Channel
    to: str
    name: str
    language: str

    @property
    def key(self) -> tuple[str, str]:
        """Two entries for the same address are one recipient."""
        return self.channel, normalise_address(self.channel, self.to)

    def to_json(self) -> dict[str, str]:
        return {
            "channel": self.channel,
            "to": self.to,
            "name": self.name,
            "language": self.language,
        }


@dataclass(frozen=True)
class EscalationStep:
    """If nobody has acknowledged after `after_minutes`, notify these."""

    after_minutes: float
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class Plan:
    """Which rules matched, who gets the alert now, and the escalation ladder."""

    rules: tuple[str, ...]
    recipients: tuple[Recipient, ...]
    escalation: tuple[EscalationStep, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": list(self.rules),
            "recipients": [r.to_json() for r in self.recipients],
            "escalation": [
                {
                    "after_minutes": whole_minutes(s.after_minutes),
                    "recipients": [r.to_json() for r in s.recipients],
                }
                for s in self.escalation
            ],
        }


def whole_minutes(minutes: float) -> int | float:
    """Minutes as a client wrote them: 10, not 10.0 (JSON keeps whole numbers whole)."""
    return int(minutes) if float(minutes).is_integer() else minutes


def normalise_address(channel: str, to: str) -> str:
    """E-mail lower-cased; phone digits only (a leading + or 00 is the same number)."""
    if channel == "email":
        return to.strip().lower()
    digits = re.sub(r"\D", "", to)
    return digits[2:] if digits.startswith("00") else digits


def fold(text: str) -> str:
    """Lower case without accents, for matching words in any spelling ("Música" ~ "musica")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def contains_phrase(text: str, phrase: str) -> bool:
    """Whole-word match of a word or phrase, accent- and case-insensitive."""
    needle = fold(phrase).strip()
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", fold(text)) is not None


def _listed(allowed: Sequence[Any] | None, value: Any) -> bool:
    return not allowed or value in allowed


def matches(rule: Doc, ticket: Doc) -> bool:
    """Whether the rule's `match` block accepts the ticket (an empty list means any)."""
    m = rule.get("match") or {}
    point = (ticket.get("point") or {}).get("code")
    if not _listed(m.get("points"), point):
        return False
    if not _listed(m.get("establishments"), ticket.get("establishment")):
        return False
    if not _listed(m.get("departments"), ticket.get("department")):
        return False
    categories = m.get("categories") or []
    # The staff's category only (a suggestion is no category yet); a group takes its values.
    if categories and not any(category_matches(c, ticket.get("category")) for c in categories):
        return False
    if not _listed(m.get("languages"), ticket.get("language")):
        return False
    words = m.get("words") or []
    if words:
        texts = [ticket.get("text") or "", *((ticket.get("translations") or {}).values())]
        if not any(contains_phrase(t, w) for t in texts for w in words):
            return False
    return True


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _in_dates(day: date, ranges: Iterable[Doc]) -> bool:
    return any(date.fromisoformat(r["from"]) <= day <= date.fromisoformat(r["to"]) for r in ranges)


def in_schedule(schedule: Doc | None, at: datetime, tenant_zone: str) -> bool:
    """Whether `at` falls inside the schedule (None means always)."""
    if not schedule:
        return True
    local = at.astimezone(ZoneInfo(schedule.get("timezone") or tenant_zone))
    day = local.date()
    now = local.time().replace(tzinfo=None)
    start = _hhmm(schedule["from"]) if schedule.get("from") else None
    end = _hhmm(schedule["to"]) if schedule.get("to") else None
    if start is not None and end is not None:
        if start <= end:
            if not start <= now < end:
                return False
        elif now >= start:
            pass  # the evening part: today's day
        elif now < end:
            day -= timedelta(days=1)  # the small hours belong to the night before
        else:
            return False
    elif (start is not None and now < start) or (end is not None and now >= end):
        return False
    if schedule.get("weekdays") and day.isoweekday() not in schedule["weekdays"]:
        return False
    if schedule.get("dates") and not _in_dates(day, schedule["dates"]):
        return False
    return day.isoformat() not in (schedule.get("except") or [])


def _recipients(raw: Iterable[Doc], default_language: str) -> list[Recipient]:
    return [
        Recipient(
            channel=r["channel"],
            to=r["to"],
            name=r.get("name") or r["to"],
            language=r.get("language") or default_language,
        )
        for r in raw
    ]


def _dedupe(people: Iterable[Recipient], seen: set[tuple[str, str]]) -> tuple[Recipient, ...]:
    out = []
    for person in people:
        if person.key not in seen:
            seen.add(person.key)
            out.append(person)
    return tuple(out)


def plan_for(rules: Sequence[Doc], ticket: Doc, tenant: Doc, at: datetime) -> Plan:
    """Every active rule that matches the ticket at `at`, merged into one plan.

    Recipients appear once (by channel and normalised address); escalation steps of all
    matched rules are merged by their delay, each person once per step.
    """
    zone = tenant.get("timezone") or "UTC"
    language = tenant.get("language") or "es"
    chosen = [
        r
        for r in rules
        if r.get("active", True) and matches(r, ticket) and in_schedule(r.get("schedule"), at, zone)
    ]
    now = _dedupe(
        (p for r in chosen for p in _recipients(r.get("recipients") or [], language)), set()
    )
    steps: dict[float, list[Recipient]] = {}
    for rule in chosen:
        for step in rule.get("escalation") or []:
            steps.setdefault(float(step["after_minutes"]), []).extend(
                _recipients(step.get("recipients") or [], language)
            )
    ladder = tuple(
        EscalationStep(after, _dedupe(people, set())) for after, people in sorted(steps.items())
    )
    return Plan(tuple(str(r["id"]) for r in chosen), now, ladder)
