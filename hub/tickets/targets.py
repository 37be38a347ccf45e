"""Reply targets: how soon each kind of SOS should have its first answer. Pure.

The care protocol (seeds/002) answers a basic question at once and a complex one once the
answer is found; a claim within the business's promise (`sla_hours`, 48 by default). The
defaults below are minutes; a business overrides any category or group
(`tenant["reply_targets"]`, set on /admin/triage). A ticket's target follows the staff's
category, or the suggestion until staff confirm one; with neither, the promise.

The clock starts when the SOS arrives, or at the next opening when it arrives while the
business is closed (hub/tickets/hours.py): a question sent at midnight is not overdue at
00:15 when nobody is there to answer until 08:00.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from hub.clock import iso, parse_iso
from hub.errors import Invalid
from hub.tickets.hours import open_from
from hub.tickets.model import Category, category_group

# Minutes. Every category or group not named here: the business's promise (sla_hours).
DEFAULT_TARGETS: Mapping[str, int] = {
    "question_basic": 15,
    "question_complex": 4 * 60,
    "question": 60,
}
DEFAULT_SLA_HOURS = 48
MAX_TARGET_MINUTES = 30 * 24 * 60  # a month: anything longer is no promise


def promise_minutes(tenant: Mapping[str, Any]) -> int:
    """The business's general promise, in minutes (`sla_hours`, 48 h by default)."""
    try:
        hours = float(tenant.get("sla_hours") or DEFAULT_SLA_HOURS)
    except (TypeError, ValueError):
        hours = DEFAULT_SLA_HOURS
    return round(hours * 60)


def target_minutes(tenant: Mapping[str, Any], category: str | None) -> int:
    """The first-answer target for `category`: the business's own for the value, then for
    its group, then the defaults (value, group), then the promise."""
    own = tenant.get("reply_targets") or {}
    promise = promise_minutes(tenant)
    if not category or category not in Category.__members__:
        return promise
    group = category_group(category)
    for table in (own, DEFAULT_TARGETS):
        for key in (category, group):
            value = table.get(key) if isinstance(table, Mapping) else None
            if isinstance(value, int) and value > 0:
                return value
    return promise


def targets_table(tenant: Mapping[str, Any]) -> dict[str, int]:
    """Every category value and group with the target it gets now (for the settings page)."""
    return {c.value: target_minutes(tenant, c.value) for c in Category}


def reply_due_at(tenant: Mapping[str, Any], ticket: Mapping[str, Any]) -> str | None:
    """When the first answer is due: from arrival (or the next opening), plus the target of
    the staff's category or else the suggestion. None without a creation time."""
    created = ticket.get("created_at")
    if not created:
        return None
    category = ticket.get("category") or ticket.get("suggested_category")
    start = open_from(
        tenant.get("opening_hours"), parse_iso(str(created)), str(tenant.get("timezone") or "UTC")
    )
    return iso(start + timedelta(minutes=target_minutes(tenant, category)))


def check_targets(raw: Mapping[str, Any]) -> dict[str, int]:
    """A business's targets: category values or groups to whole minutes, 1 to a month.

    Invalid names the entry (`reply_targets.<key>`); null or 0 removes an override.
    """
    out: dict[str, int] = {}
    for key, value in raw.items():
        field = f"reply_targets.{str(key)[:40]}"
        if key not in Category.__members__:
            raise Invalid(f"{field}: not a category or group", field=field)
        if value is None or value == 0:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"{field}: a whole number of minutes", field=field)
        if not 1 <= value <= MAX_TARGET_MINUTES:
            raise Invalid(f"{field}: from 1 to {MAX_TARGET_MINUTES} minutes (30 days)", field=field)
        out[key] = value
    return out
