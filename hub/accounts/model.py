"""Account rules: roles, slugs, languages and the JSON each account object shows."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.errors import Invalid
from hub.ports import Doc

LANGUAGES = ("es", "en")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
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
        raise Invalid(f"{field} must be lowercase letters, digits and dashes", field=field)
    return slug


def check_code(code: str) -> str:
    if not CODE_RE.match(code):
        raise Invalid("code must be 1–64 letters, digits, dashes or underscores", field="code")
    return code


def check_language(lang: str, field: str = "language") -> str:
    lang = lang.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", lang):
        raise Invalid(f"{field} must be a language code such as es or en", field=field)
    return lang


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}", field="timezone") from None
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
    return out


def public_tenant(doc: Doc) -> dict[str, Any]:
    return {
        k: doc.get(k)
        for k in ("id", "slug", "name", "language", "timezone", "sla_hours", "created_at")
    }
