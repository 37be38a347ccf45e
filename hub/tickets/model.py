"""The ticket's vocabulary: statuses and their transitions, categories, text limits, and the
JSON each audience sees. What may happen to a ticket is `hub.tickets.ticket.Ticket`."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Any

from hub.errors import Conflicting, Invalid
from hub.ports import Doc

TEXT_MAX = 2000
NAME_MAX = 120


class Status(StrEnum):
    """A ticket's life: new → acknowledged → waiting_customer ↔ open → resolved → closed."""

    new = "new"
    acknowledged = "acknowledged"
    open = "open"
    waiting_customer = "waiting_customer"
    resolved = "resolved"
    closed = "closed"
    quarantined = "quarantined"


class Category(StrEnum):
    """What an SOS is about, as the care protocol triages it (seeds/002).

    Nine fine values, each in one of five groups (`category_group`); the group names
    `question`, `claim` and `complaint` are values too: the group with no sub-type (stored
    before the sub-types existed, or chosen when staff are unsure which). A routing rule or
    a canned answer naming a group matches each of its values (`category_matches`).
    """

    question_basic = "question_basic"  # answered at once: prices, hours, how to book
    question_complex = "question_complex"  # needs the conditions or another department
    claim_new = "claim_new"  # something to put right (a refund, a broken thing)
    claim_repeated = "claim_repeated"  # the same claim again: "ya os lo dije"
    claim_disputed = "claim_disputed"  # disagrees with a resolution already given
    complaint_service = "complaint_service"  # about the service: waiting, manners, noise
    complaint_unrelated = "complaint_unrelated"  # unrelated to the service, or insulting
    suggestion = "suggestion"
    praise = "praise"
    question = "question"
    claim = "claim"
    complaint = "complaint"


# The groups, in the order pages list them; suggestion and praise have no sub-types.
CATEGORY_GROUPS = ("question", "claim", "complaint", "suggestion", "praise")


def category_group(value: str) -> str:
    """The group of a category value ("claim_repeated" → "claim"); a group is its own."""
    group = value.split("_", 1)[0]
    if value not in Category.__members__ or group not in CATEGORY_GROUPS:
        raise ValueError(f"not a category: {value!r}")
    return group


def category_matches(wanted: str, value: str | None) -> bool:
    """Whether a category named by a rule or an answer (a value or a group) fits `value`."""
    if not value or value not in Category.__members__:
        return False
    return wanted == value or (wanted in CATEGORY_GROUPS and category_group(value) == wanted)


# Every value, group by group, the group's own value first: the order pages list them in.
CATEGORY_ORDER: tuple[str, ...] = tuple(
    c.value
    for g in CATEGORY_GROUPS
    for c in sorted(Category, key=lambda c: c.value != g)
    if category_group(c.value) == g
)


_ACTIVE = (Status.open, Status.waiting_customer, Status.resolved, Status.closed)
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.new: (Status.acknowledged, *_ACTIVE),
    Status.acknowledged: _ACTIVE,
    Status.open: (Status.waiting_customer, Status.resolved, Status.closed),
    Status.waiting_customer: (Status.open, Status.resolved, Status.closed),
    Status.resolved: (Status.open, Status.closed),
    Status.closed: (Status.open,),
    Status.quarantined: (Status.new, Status.closed),
}

# The statuses a console's board shows, in the order of a ticket's life.
BOARD_STATUSES = tuple(s for s in Status if s is not Status.quarantined)


def held_back(doc: Doc) -> bool:
    """Held back by a filter and never released: no console ever sees it, closed or not.

    Read it through `Ticket.held_back`. Tickets stored since the `held` flag existed carry
    it (the store's queries use it); older ones are told by their status and release.
    """
    if isinstance(doc.get("held"), bool):
        return bool(doc["held"])
    return doc.get("status") == Status.quarantined.value or (
        bool(doc.get("quarantine_reason")) and not doc.get("released_at")
    )


# What the customer reads about their ticket's status.
# The satisfaction survey a customer answers once their ticket is resolved (best first).
RATINGS = ("very_good", "good", "fair", "bad")
SURVEY_COMMENT_MAX = 1000


def survey_json(survey: Doc | None) -> dict[str, Any] | None:
    """A survey answer as staff and its customer see it."""
    if not survey:
        return None
    out = {k: survey.get(k) for k in ("rating", "nps", "comment", "answered_at")}
    if survey.get("answers"):  # to the business's own questions (hub/surveys)
        out["answers"] = dict(survey["answers"])
    return out


CUSTOMER_STATUS: dict[str, str] = {
    "new": "received",
    "quarantined": "received",
    "acknowledged": "being_handled",
    "open": "being_handled",
    "waiting_customer": "being_handled",
    "resolved": "resolved",
    "closed": "resolved",
}


def check_transition(current: str, target: str) -> Status:
    """The target status when the move is allowed; Conflicting otherwise."""
    try:
        wanted = Status(target)
    except ValueError:
        raise Invalid(
            f"status must be one of {', '.join(s.value for s in Status)}", field="status"
        ) from None
    if wanted not in TRANSITIONS[Status(current)]:
        article = "an" if current[:1] in "aeiou" else "a"  # "an open ticket", "an acknowledged"
        raise Conflicting(f"{article} {current} ticket cannot become {target}", field="status")
    return wanted


def check_category(value: str | None, field: str = "category") -> str | None:
    """A category value or group name (None or "" clear it); Invalid names the field."""
    if value is None or value == "":
        return None
    if value not in Category.__members__:
        raise Invalid(f"category must be one of {', '.join(CATEGORY_ORDER)}", field=field)
    return value


# Bidi embeddings, overrides and isolates reorder what follows them ("gpj.exe" shown as
# "exe.jpg"), and zero-width spaces hide words from filters: neither belongs in an SOS.
# ZWJ/ZWNJ (emoji sequences, Persian, Indic scripts) and LRM/RLM marks are kept.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff")
)


def strip_controls(text: str) -> str:
    """Text without control characters (but newlines and tabs), bidi overrides, zero-widths."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def clean_line(text: str, limit: int = NAME_MAX) -> str:
    """One line (a name: never a CR/LF to smuggle into a header), spaces collapsed."""
    return " ".join(strip_controls(text).split())[:limit]


def clean_text(text: str, field: str = "text", limit: int = TEXT_MAX) -> str:
    """Trimmed text of 1..limit characters, without control or invisible reordering characters."""
    text = strip_controls(text).strip()
    if not text:
        raise Invalid(f"{field} must not be empty", field=field)
    if len(text) > limit:
        raise Invalid(f"{field} must be at most {limit} characters (got {len(text)})", field=field)
    return text


# What staff see of a ticket. A list of what to show, not of what to hide, so that a
# field added for internal bookkeeping (routing state, abuse signals, the thread secret,
# the sender's device and address) never leaks to consoles by accident.
STAFF_FIELDS = (
    "id",
    "number",
    "status",
    "text",
    "language",
    "translations",
    "anonymous",
    "contact",
    "point",
    "kiosk",
    "department",
    "establishment",
    "source",
    "category",
    "suggested_category",
    "reply_due_at",
    "assignee",
    "description",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "released_at",
    "escalated_at",
    "message_count",
    "repeat_count",
    "quarantine_reason",
    "survey",
    "held_messages",
    "etiquette",
)


def staff_ticket(doc: Doc) -> dict[str, Any]:
    """The ticket as staff see it (API and /staff events): no secrets, no bookkeeping."""
    out = {k: doc.get(k) for k in STAFF_FIELDS if k in doc}
    out.setdefault("establishment", None)  # promised on every ticket, also one stored without
    out.setdefault("suggested_category", None)  # stored before triage existed: none
    if doc.get("anonymous"):
        out["contact"] = None
    return out


def customer_ticket(doc: Doc) -> dict[str, Any]:
    """The ticket as its customer sees it: status in words, no staff-only fields, no seq."""
    point = doc.get("point") or {}
    return {
        "id": doc["id"],
        "number": doc["number"],
        "status": CUSTOMER_STATUS.get(doc["status"], "received"),
        "text": doc["text"],
        "language": doc.get("language"),
        "translations": doc.get("translations") or {},
        "anonymous": doc.get("anonymous", False),
        "point": {"label": point.get("label")},
        "created_at": doc["created_at"],
        "resolved_at": doc.get("resolved_at"),
        "survey": survey_json(doc.get("survey")),
    }


def message_json(doc: Doc) -> dict[str, Any]:
    """A conversation message (customer ↔ staff), the same for both audiences."""
    return {
        k: doc.get(k)
        for k in ("id", "ticket_id", "author", "author_name", "text", "translations", "created_at")
    }


def public_name(name: str | None) -> str | None:
    """A staff member's name as a customer may read it: never an e-mail address (a user
    without a name is shown by e-mail to colleagues, by the business's name to customers)."""
    name = (name or "").strip()
    return name if name and "@" not in name else None


def customer_message_json(doc: Doc) -> dict[str, Any]:
    """A message as its customer sees it (thread JSON and /thread events): `from` says whose
    it is, and a staff message carries `author: {"name"}`, who answered (CONTRACT.md)."""
    out = message_json(doc)
    author = out.pop("author")
    name = out.pop("author_name", None)
    out["from"] = "staff" if author == "staff" else "customer"
    out["author"] = {"name": public_name(name)} if author == "staff" else None
    return out


def repeat_json(entry: Doc) -> dict[str, Any]:
    """A repeat merged into a ticket, as staff see it (contact null when anonymous)."""
    return {k: entry.get(k) for k in ("text", "contact", "created_at")}


def note_json(doc: Doc) -> dict[str, Any]:
    fields = ("id", "ticket_id", "author_id", "author_name", "text", "created_at")
    return {k: doc.get(k) for k in fields}


def history_json(doc: Doc) -> dict[str, Any]:
    return {
        k: doc.get(k)
        for k in ("id", "ticket_id", "action", "from", "to", "by", "by_id", "created_at")
    }


# Photos: how many a ticket may carry, and how long after a message one may still join it.
ATTACHMENTS_MAX = 10
ATTACH_WINDOW_MINUTES = 60


def staff_attachments_path(ticket_id: str) -> str:
    """Where staff open a ticket's photos (their session or API token is the key)."""
    return f"/api/v1/tickets/{ticket_id}/attachments/"


def thread_attachments_path(thread_token: str) -> str:
    """Where a thread's holder opens its photos (the thread token is the key)."""
    return f"/api/v1/thread/{thread_token}/attachments/"


def attachment_json(doc: Doc, base: str) -> dict[str, Any]:
    """A photo as one audience sees it: `base` is that audience's path (see above).

    `message_id` is the message it came with: the ticket's id for the SOS itself, None for a
    photo sent on its own.
    """
    out = {
        k: doc.get(k)
        for k in (
            "id",
            "ticket_id",
            "message_id",
            "author",
            "author_name",
            "content_type",
            "size",
            "width",
            "height",
            "created_at",
        )
    }
    out["url"] = f"{base}{doc['id']}"
    out["thumbnail_url"] = f"{base}{doc['id']}?size=thumb"
    return out


def customer_attachment_json(doc: Doc, base: str) -> dict[str, Any]:
    """A photo as its thread's holder sees it: whose it is as on messages (`from`, and a
    staff photo's `author: {"name"}`, never an e-mail), nothing staff-only."""
    out = attachment_json(doc, base)
    staff = out.pop("author") == "staff"
    name = out.pop("author_name", None)
    out["from"] = "staff" if staff else "customer"
    out["author"] = {"name": public_name(name)} if staff else None
    return out


def shown_to_staff(doc: Doc) -> bool:
    """A photo staff may see: not held back with its message, not deleted for privacy."""
    return not doc.get("held_reason") and not doc.get("purged_at")
