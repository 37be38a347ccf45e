"""Account rules: roles, slugs, languages and the JSON each account object shows."""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from hub.errors import Invalid
from hub.i18n import STAFF
from hub.ports import Doc

LANGUAGES = ("es", "en")  # a new business works in these (its own language added)
# What a staff member may choose as their own language (pages, e-mails, SMS, the monthly
# PDF): every language the staff pages speak, not just a new business's two.
STAFF_LANGUAGES = STAFF
# The languages a business may work in: the pages' catalogs have es and en; issue 14
# translates the customer pages into the rest.
KNOWN_LANGUAGES = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CODE_MAX = 40  # short enough to print large under a QR code and read across a room
CODE_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{CODE_MAX - 1}}}$")
# What an access point is printed on (or a kiosk stands at). Older points may say "table"
# (read as "table-tent") or "other" (kept as it is).
# Files in the zone database that name no place: the machine's own zone and test stubs.
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
POINT_KINDS = ("poster", "flyer", "coaster", "receipt", "table-tent", "kiosk")
LEGACY_KINDS = {"table": "table-tent", "other": "other"}
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")


class Role(StrEnum):
    """Staff roles, each allowed everything the one before it is."""

    agent = "agent"
    manager = "manager"
    admin = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what `needed` may."""
        return self.rank >= needed.rank


def check_slug(slug: str, field: str = "slug") -> str:
    if not SLUG_RE.match(slug):
        raise Invalid(f"{field}: must be lowercase letters, digits and dashes", field=field)
    return slug


def check_code(code: str) -> str:
    if not CODE_RE.match(code):
        raise Invalid(
            f"code: must be 1–{CODE_MAX} letters, digits, dashes or underscores", field="code"
        )
    return code


def point_kind(kind: str | None) -> str:
    """A stored or sent kind as it is shown: "table" is a table tent; unknown stays as sent."""
    kind = kind or "poster"
    return LEGACY_KINDS.get(kind, kind)


def check_kind(kind: str) -> str:
    """A point's kind as stored: one of POINT_KINDS (or a legacy name, translated)."""
    shown = point_kind(kind)
    if shown not in (*POINT_KINDS, *LEGACY_KINDS.values()):
        raise Invalid(f"kind: must be one of {', '.join(POINT_KINDS)}", field="kind")
    return shown


def check_language(lang: str, field: str = "language") -> str:
    lang = lang.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", lang):
        raise Invalid(f"{field}: must be a language code such as es or en", field=field)
    return lang


@functools.cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zone names this machine knows, sorted (not the system's aliases)."""
    return tuple(sorted(available_timezones() - NOT_ZONES))


def check_timezone(name: str) -> str:
    """An IANA time zone name such as Europe/Madrid; 400 naming `timezone` otherwise."""
    if name not in time_zones():
        raise Invalid(
            f"unknown time zone {name[:60]!r}: use a name such as Europe/Madrid", field="timezone"
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name[:60]!r}", field="timezone") from None
    return name


def check_email(email: str, field: str = "email") -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email):
        raise Invalid(f"{field} is not an e-mail address", field=field)
    return email


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise Invalid("role must be agent, manager or admin", field="role") from None


def slugify(text: str) -> str:
    """A slug for a department or establishment name ("Pool bar" → "pool-bar")."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:63] or "x"


# What a suspended business's doors say (hub.errors.Suspended names `tenant`); pages word
# it in the reader's language.
NOT_TAKING_MESSAGES = "this business is not taking messages right now"
STAFF_SUSPENDED = (
    "this business is suspended: its staff cannot log in until the installation's operator "
    "resumes it"
)


def is_suspended(tenant: Doc | None) -> bool:
    """Whether the installation's operator has suspended this business (nothing is deleted)."""
    return bool(tenant and tenant.get("suspended"))


def public_user(doc: Doc) -> dict[str, Any]:
    """A staff user as JSON: never the password hash or token hash."""
    out = {k: doc.get(k) for k in ("id", "email", "name", "role", "language", "created_at")}
    out["active"] = doc.get("active") is not False
    # the console's one-key shortcuts, on unless the user turned them off (WCAG 2.1.4)
    out["shortcuts"] = doc.get("shortcuts") is not False
    return out


def public_tenant(doc: Doc) -> dict[str, Any]:
    return {
        k: doc.get(k)
        for k in ("id", "slug", "name", "language", "timezone", "sla_hours", "created_at")
    }
