"""A business's settings: the rule each one keeps, its default, and the JSON managers see.

Every reader takes these from the tenant record at the moment it needs them (routing, the
SMS budget, statistics, the console's timers, the privacy sweep): nothing caches them, so a
change applies to the next SOS, the next SMS and the next page load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from hub.accounts.model import KNOWN_LANGUAGES, check_language, check_timezone
from hub.accounts.targets import check_targets, targets_json
from hub.errors import HubError, Invalid
from hub.i18n import NAMES
from hub.ports import Doc

DEFAULT_BRAND_COLOR = "#0b4fa8"  # the hub's own blue (static/css/hub.css --primary)
DEFAULT_SLA_HOURS = 48
DEFAULT_ONSITE_MINUTES = 15
DEFAULT_SMS_HOURLY_BUDGET = 60  # hub/notify/outbox.py keeps the same default for old records
DEFAULT_RETENTION_DAYS = 30  # hub/tickets/privacy.py
NAME_MAX = 200
MAX_OPENING_RANGES = 50
# Inclusive bounds of the whole-number settings.
BOUNDS: Mapping[str, tuple[int, int]] = {
    "sla_hours": (1, 720),
    "onsite_minutes": (1, 1440),
    "sms_hourly_budget": (0, 10_000),
    "privacy_retention_days": (0, 3650),
}
DEFAULTS: Mapping[str, int] = {
    "sla_hours": DEFAULT_SLA_HOURS,
    "onsite_minutes": DEFAULT_ONSITE_MINUTES,
    "sms_hourly_budget": DEFAULT_SMS_HOURLY_BUDGET,
    "privacy_retention_days": DEFAULT_RETENTION_DAYS,
}
HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# Vonage: an alphanumeric sender of at most 11 letters, digits and spaces (with a letter,
# or it is read as a number), or a phone number in international form.
SENDER_NAME_RE = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
SENDER_NUMBER_RE = re.compile(r"^\+?[1-9][0-9]{6,14}$")
# Each language in its own words (never translated: a reader looks for their own).
LANGUAGE_NAMES: Mapping[str, str] = NAMES
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def refused(field: str, message: str, error: type[HubError] = Invalid) -> HubError:
    """An error naming `field`, its message led by it ("opening_hours.1.to: …") as the
    pages' scripts read it (static/js/lib/api.js) to mark the input."""
    return error(f"{field}: {message}", field=field)


def check_name(name: str, field: str = "name", limit: int = NAME_MAX) -> str:
    """A display name: trimmed, not empty, at most `limit` characters."""
    name = " ".join(str(name).split())
    if not name:
        raise refused(field, "must not be empty")
    if len(name) > limit:
        raise refused(field, f"at most {limit} characters (got {len(name)})")
    return name


def check_languages(languages: Iterable[str]) -> list[str]:
    """The business's languages: known codes, at least one, each once, in the given order."""
    out: list[str] = []
    for lang in languages:
        code = check_language(str(lang), "languages")
        if code not in KNOWN_LANGUAGES:
            raise refused("languages", f"{code!r} is not one of {', '.join(KNOWN_LANGUAGES)}")
        if code not in out:
            out.append(code)
    if not out:
        raise refused("languages", "choose at least one language")
    return out


def check_color(value: str, field: str = "brand_color") -> str:
    """A colour as #RRGGBB (printables and pages use it as it is)."""
    if not COLOR_RE.match(value):
        raise refused(field, "a colour is written #RRGGBB, e.g. #0b4fa8")
    return value.lower()


def check_sms_from(value: str | None) -> str | None:
    """The SMS sender: up to 11 letters and digits, or a phone number; empty: the hub's."""
    value = (value or "").strip()
    if not value:
        return None
    compact = re.sub(r"[\s().-]", "", value)
    if SENDER_NUMBER_RE.match(compact):
        return compact
    if SENDER_NAME_RE.match(value):
        return value
    raise refused(
        "sms_from",
        "a sender is up to 11 letters and digits (with a letter), or a phone number such as"
        " +34600111222",
    )


def check_count(field: str, value: Any) -> int:
    """A whole-number setting within its BOUNDS."""
    low, high = BOUNDS[field]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise refused(field, f"a whole number from {low} to {high}")
    return value


def _minutes(hhmm: str, field: str, *, end: bool = False) -> int:
    if end and hhmm == "24:00":  # a range may end at midnight
        return 24 * 60
    if not HHMM_RE.match(hhmm):
        raise refused(field, f"{hhmm[:10]!r} is not a time HH:MM")
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _opening_range(item: Mapping[str, Any], where: str) -> Doc:
    days = item.get("weekdays")
    if not isinstance(days, list | tuple) or not days:
        raise refused(f"{where}.weekdays", "choose at least one weekday")
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise refused(f"{where}.weekdays", "weekdays are 1 (Monday) to 7 (Sunday)")
    start = _minutes(str(item.get("from") or ""), f"{where}.from")
    stop = _minutes(str(item.get("to") or ""), f"{where}.to", end=True)
    if start >= stop:
        raise refused(
            f"{where}.to",
            "'from' must be before 'to' (split a night across midnight into two ranges)",
        )
    return {"weekdays": sorted(set(days)), "from": item["from"], "to": item["to"]}


def check_opening_hours(ranges: Sequence[Mapping[str, Any]] | None) -> list[Doc] | None:
    """Opening hours as ranges per weekday (None, or no range: always open); no two overlap."""
    if not ranges:
        return None
    if len(ranges) > MAX_OPENING_RANGES:
        raise refused("opening_hours", f"at most {MAX_OPENING_RANGES} ranges")
    out = [_opening_range(item, f"opening_hours.{i}") for i, item in enumerate(ranges)]
    for day in range(1, 8):
        spans = sorted(
            (
                (_minutes(r["from"], ""), _minutes(r["to"], "", end=True), r)
                for r in out
                if day in r["weekdays"]
            ),
            key=lambda span: span[:2],
        )
        for (_s1, e1, first), (s2, _e2, second) in pairwise(spans):
            if s2 < e1:
                raise refused(
                    "opening_hours",
                    f"{WEEKDAY_NAMES[day - 1]}: {first['from']}–{first['to']} overlaps"
                    f" {second['from']}–{second['to']}",
                )
    return out


def settings_changes(tenant: Doc, fields: Mapping[str, Any]) -> Doc:
    """Check the settings present in `fields` against the rules and each other.

    The main `language` must stay among `languages`, whichever of the two changes.
    """
    out: Doc = {}
    if "name" in fields:
        out["name"] = check_name(fields["name"])
    if "languages" in fields:
        out["languages"] = check_languages(fields["languages"] or [])
    if "language" in fields:
        out["language"] = check_language(str(fields["language"] or ""))
    if "timezone" in fields:
        out["timezone"] = check_timezone(str(fields["timezone"] or ""))
    for field in BOUNDS:
        if field in fields:
            out[field] = check_count(field, fields[field])
    if "sms_from" in fields:
        out["sms_from"] = check_sms_from(fields["sms_from"])
    if "opening_hours" in fields:
        out["opening_hours"] = check_opening_hours(fields["opening_hours"])
    if "brand_color" in fields:
        out["brand_color"] = check_color(str(fields["brand_color"] or ""))
    if "targets" in fields:
        out["targets"] = check_targets(tenant.get("targets"), fields["targets"])
    main = out.get("language", tenant.get("language") or "es")
    languages = out.get("languages", business_languages(tenant))
    if main not in languages:
        field = "language" if "language" in out else "languages"
        raise refused(field, f"the main language {main!r} must be one of the business's languages")
    return out


def business_languages(tenant: Doc) -> list[str]:
    """The business's languages, its main one first."""
    main = str(tenant.get("language") or "es")
    rest = [str(x) for x in tenant.get("languages") or [] if x and x != main]
    return [main, *rest]


def tenant_settings(tenant: Doc) -> dict[str, Any]:
    """The business's settings as GET /api/v1/tenant shows them (defaults filled in)."""
    out: dict[str, Any] = {
        "id": tenant["id"],
        "slug": tenant.get("slug"),
        "name": tenant.get("name"),
        "language": tenant.get("language") or "es",
        "languages": business_languages(tenant),
        "timezone": tenant.get("timezone") or "UTC",
    }
    for field, default in DEFAULTS.items():
        value = tenant.get(field)
        out[field] = value if isinstance(value, int) and not isinstance(value, bool) else default
    out["sms_from"] = tenant.get("sms_from") or None
    out["opening_hours"] = tenant.get("opening_hours") or None
    out["brand_color"] = tenant.get("brand_color") or DEFAULT_BRAND_COLOR
    out["targets"] = targets_json(tenant.get("targets"))
    return out


def check_names(
    names: Mapping[str, Any], languages: Sequence[str], field: str, limit: int
) -> dict[str, str]:
    """Words per language ({"en": "Bar terrace"}): only the business's languages, each at
    most `limit` characters; an empty one is dropped (the main language's stands in)."""
    out: dict[str, str] = {}
    for lang, text in names.items():
        if lang not in languages:
            raise refused(
                f"{field}.{str(lang)[:8]}",
                f"{str(lang)[:8]!r} is not one of the business's languages"
                f" ({', '.join(languages)})",
            )
        cleaned = " ".join(str(text or "").split())
        if len(cleaned) > limit:
            raise refused(f"{field}.{lang}", f"at most {limit} characters (got {len(cleaned)})")
        if cleaned:
            out[lang] = cleaned
    return out


def main_and_names(
    main: str | None,
    names: Mapping[str, Any] | None,
    languages: Sequence[str],
    *,
    field: str,
    names_field: str,
    limit: int,
) -> tuple[str, dict[str, str]]:
    """The main-language text and the texts per language, kept in step: `main` (when given)
    is the main language's entry; without it, the main language's entry is the main text."""
    checked = check_names(names or {}, languages, names_field, limit)
    if main is not None:
        checked[languages[0]] = check_name(main, field, limit)
    if languages[0] not in checked:
        raise refused(field, f"is required (in {languages[0]})")
    return checked[languages[0]], checked
