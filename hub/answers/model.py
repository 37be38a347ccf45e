"""A canned answer's rules, pure: what it may say, which tickets it fits, how it is filled.

The source documents ask staff to answer each kind of message with a prepared text
("respuesta automática con texto tipo"). An answer names a ticket category (a fine one,
a group, or none for any ticket), a language, and a text whose placeholders are filled
for the open ticket: `{customer_name}`, `{agent_name}`, `{place}`, `{number}`, `{business}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from hub.errors import Invalid
from hub.i18n import NAMES
from hub.ports import Doc
from hub.tickets.model import CATEGORY_GROUPS as TICKET_GROUPS
from hub.tickets.model import CATEGORY_ORDER, TEXT_MAX, clean_line, public_name, strip_controls
from hub.tickets.model import category_group as ticket_category_group

TITLE_MAX = 120
MAX_ANSWERS = 500  # per business: a list an agent can still pick from
PLACEHOLDERS = ("customer_name", "agent_name", "place", "number", "business")
# The languages a customer page speaks (CONTRACT.md): an answer is written in one of them.
LANGUAGES = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")
# Each language by its own name (what a manager picks from, whatever the page's language).
LANGUAGE_NAMES = NAMES
_PLACEHOLDER = re.compile(r"\{([^{}\s]{0,40})\}")

# Ticket categories an answer may name, and their groups: the ticket's own vocabulary
# (hub/tickets/model.py). Legacy stored values are the groups themselves.
GROUPS = TICKET_GROUPS
ANSWER_CATEGORIES: tuple[str, ...] = CATEGORY_ORDER

# What {customer_name} says when the customer left no name, in the answer's language.
NEUTRAL_CUSTOMER = {
    "es": "cliente",
    "en": "customer",
    "fr": "client",
    "de": "Kundin, Kunde",
    "it": "cliente",
    "pt": "cliente",
    "gl": "cliente",
    "ca": "client",
}
# What {agent_name} says for a staff member without a name (never their e-mail).
NEUTRAL_AGENT = {
    "es": "el equipo",
    "en": "the team",
    "fr": "l'équipe",
    "de": "das Team",
    "it": "il team",
    "pt": "a equipa",
    "gl": "o equipo",
    "ca": "l'equip",
}


def category_group(value: str | None) -> str | None:
    """The group of a category value (a group is its own), None for none or unknown."""
    return ticket_category_group(value) if value in ANSWER_CATEGORIES and value else None


def placeholders_in(text: str) -> list[str]:
    """The placeholder names used in `text`, in order of appearance."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(text)]


def check_text(text: str) -> str:
    """An answer text: 1..2,000 characters, only the known placeholders; Invalid names `text`."""
    text = strip_controls(text).strip()
    if not text:
        raise Invalid("text: must not be empty", field="text")
    if len(text) > TEXT_MAX:
        raise Invalid(f"text: at most {TEXT_MAX} characters (got {len(text)})", field="text")
    for name in placeholders_in(text):
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise Invalid(f"text: unknown placeholder {{{name}}}; use {known}", field="text")
    return text


def check_answer(fields: Mapping[str, Any]) -> Doc:
    """The stored fields of an answer; Invalid names the first field that is wrong
    (its message starts with the field, as the pages expect: "text: …")."""
    title = clean_line(str(fields.get("title") or ""), TITLE_MAX + 1)
    if not title:
        raise Invalid("title: is required", field="title")
    if len(title) > TITLE_MAX:
        raise Invalid(f"title: at most {TITLE_MAX} characters", field="title")
    category = fields.get("category") or None
    if category is not None and category not in ANSWER_CATEGORIES:
        raise Invalid(
            f"category: one of {', '.join(ANSWER_CATEGORIES)}, or null for any",
            field="category",
        )
    language = str(fields.get("language") or "").strip().lower()
    if language not in LANGUAGES:
        raise Invalid(
            f"language: one of {', '.join(LANGUAGES)} (got {language!r})", field="language"
        )
    return {
        "title": title,
        "category": category,
        "language": language,
        "text": check_text(str(fields.get("text") or "")),
    }


def answer_json(doc: Doc) -> dict[str, Any]:
    """An answer as the API shows it (CONTRACT.md)."""
    return {k: doc.get(k) for k in ("id", "title", "category", "language", "text")}


# How well an answer's category fits a ticket's: lower is closer; None: it does not fit.
EXACT, GROUP, WITHIN, ANY, OTHER = range(5)
FIT_NAMES = {EXACT: "category", GROUP: "group", WITHIN: "group", ANY: "any", OTHER: "other"}


def fit(answer_category: str | None, ticket_category: str | None) -> int | None:
    """EXACT (same category), GROUP (the answer names the ticket's group), WITHIN (the ticket
    names only a group, the answer a category in it), ANY (the answer is for any ticket).

    A ticket without a category takes every answer: those for any ticket, then the OTHER ones.
    """
    if answer_category is None:
        return ANY
    if ticket_category is None:
        return OTHER
    if answer_category == ticket_category:
        return EXACT
    if answer_category == category_group(ticket_category):
        return GROUP
    if ticket_category in GROUPS and category_group(answer_category) == ticket_category:
        return WITHIN
    return None


def ranked(
    answers: Iterable[Doc], category: str | None, language: str | None
) -> list[tuple[Doc, int]]:
    """The answers that fit a ticket, with their fit: its language first, then the closest
    category (exact, its group, any), then in the vocabulary's order, then by title."""
    found = []
    for doc in answers:
        closeness = fit(doc.get("category"), category)
        if closeness is not None:
            found.append((doc, closeness))
    order = {value: n for n, value in enumerate(ANSWER_CATEGORIES)}
    found.sort(
        key=lambda pair: (
            pair[0].get("language") != language,
            pair[1],
            order.get(pair[0].get("category") or "", len(order)),  # a new claim before a repeat
            str(pair[0].get("title") or "").casefold(),
        )
    )
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known placeholder replaced by its value (others are left alone)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER.sub(one, text)


def placeholder_values(ticket: Doc, tenant: Doc, agent: Doc, language: str) -> dict[str, str]:
    """What the placeholders say for this ticket, answered by `agent`, in `language`."""
    contact = ticket.get("contact") or {}
    customer = "" if ticket.get("anonymous") else str(contact.get("name") or "").strip()
    point = ticket.get("point") or {}
    place = point.get("label") or (ticket.get("kiosk") or {}).get("name") or point.get("code")
    return {
        "customer_name": customer or NEUTRAL_CUSTOMER.get(language, NEUTRAL_CUSTOMER["en"]),
        "agent_name": public_name(agent.get("name"))
        or NEUTRAL_AGENT.get(language, NEUTRAL_AGENT["en"]),
        "place": str(place or ""),
        "number": str(ticket.get("number") or ""),
        "business": str(tenant.get("name") or ""),
    }
