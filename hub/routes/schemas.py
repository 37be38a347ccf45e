"""Request and response bodies of the JSON API (pydantic, so /openapi.json documents them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from hub.notify.sms import phone_number
from hub.ports import MAX_SEQ
from hub.routes.bodies import Body, Flag, QueryArgs
from hub.tickets.etiquette import check_steps
from hub.tickets.model import TEXT_MAX
from hub.translate.detect import TICKET_LANGUAGES


def _trimmed_text(value: str, limit: int = TEXT_MAX) -> str:
    value = value.replace("\x00", "").strip()
    if not value:
        raise ValueError("must not be empty")
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters (got {len(value)})")
    return value


def ticket_language(value: str | None) -> str | None:
    """A language tag ("fr", "pt-BR") whose language an SOS can carry; any other is refused
    rather than stored cut to two letters ("xx-evil" was kept as "xx")."""
    if value is not None and value.split("-", 1)[0].lower() not in TICKET_LANGUAGES:
        raise ValueError(f"unsupported language {value!r}; one of {', '.join(TICKET_LANGUAGES)}")
    return value


class ContactIn(Body):
    name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=32)

    @field_validator("name", "phone", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("phone")
    @classmethod
    def _textable(cls, value: str | None) -> str | None:
        """Only a number the SMS sender can text (hub/notify/sms.py: 6 to 15 digits): one
        it refuses would drop the reply SMS later, and nobody would be told. A line break
        or other control character is refused too (never carried into a header or a log)."""
        if value is not None and (phone_number(value) is None or not value.isprintable()):
            raise ValueError("must be a phone number of 6 to 15 digits, + for the country")
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _blank_email(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


class SosIn(Body):
    """A customer's SOS from a QR access point."""

    point: str = Field(min_length=1, max_length=64)
    text: str
    anonymous: Flag = False
    contact: ContactIn | None = None
    language: str | None = Field(default=None, max_length=8, pattern=r"^[a-zA-Z-]{2,8}$")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _trimmed_text(value)

    _language = field_validator("language")(ticket_language)


class SosOut(BaseModel):
    id: str
    number: int
    status: str
    thread_url: str
    # When the business will answer: its next opening while it is closed; null while open.
    expected_reply_by: str | None = None


class TextIn(Body):
    """A reply, a note or a customer message."""

    text: str

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _trimmed_text(value)


class ReplyIn(TextIn):
    """A staff reply; `etiquette` lists the protocol's steps the agent's checklist showed as
    covered (hub/tickets/etiquette.py). Left out, the server detects them from the text."""

    etiquette: list[str] | None = Field(default=None, max_length=20)

    @field_validator("etiquette")
    @classmethod
    def _steps(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_steps(value)


class NoteIn(Body):
    text: str

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _trimmed_text(value, 4000)


class LoginIn(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    # the business's slug, when the e-mail and password open accounts at several (a 409
    # lists them, once the password is known to be right)
    business: str | None = Field(default=None, min_length=1, max_length=64)


class PasswordIn(Body):
    """One's own password change: the current one proves it is really you."""

    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class PasswordOut(BaseModel):
    ok: bool
    sessions_ended: int


class TokenOut(BaseModel):
    """A new API token: shown this once, stored only as a hash."""

    api_token: str


class LogoutOut(BaseModel):
    ok: bool


class TicketPatch(Body):
    """Only the fields present are changed; `null` clears category, assignee or description."""

    status: str | None = Field(default=None, max_length=32)
    category: str | None = Field(default=None, max_length=32)
    assignee: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=4000)


class TicketQuery(QueryArgs):
    status: str | None = Field(default=None, max_length=200)
    point: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)
    establishment: str | None = Field(default=None, max_length=64)
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)
    cursor: int | None = Field(default=None, ge=1, le=2**63 - 1)  # a storable integer


class EventsQuery(QueryArgs):
    """GET /api/v1/events: the stored events after `since` (the last seq the client has)."""

    since: int = Field(default=0, ge=0, le=MAX_SEQ)


class SurveyIn(Body):
    """The customer's satisfaction survey on a resolved ticket."""

    rating: Literal["very_good", "good", "fair", "bad"]
    nps: int | None = Field(default=None, ge=0, le=10)  # how likely to recommend us, 0-10
    comment: str | None = Field(default=None, max_length=1000)
    # the business's own questions, by id (GET /api/v1/survey); checked against them
    answers: dict[str, str | int] | None = Field(default=None, max_length=10)


# ---- Answers as /openapi.json documents them (document_response: never checked at run time,
# so a field added later shows up before it is documented; tests/integration/test_openapi.py
# checks real answers against these) ----------------------------------------------------


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")  # more fields may come; clients ignore them


class PointRef(_Answer):
    code: str | None = None
    label: str | None = None


class Ticket(_Answer):
    """A ticket as staff see it; `contact` is null when it is anonymous."""

    id: str
    number: int
    status: Literal[
        "new", "acknowledged", "open", "waiting_customer", "resolved", "closed", "quarantined"
    ]
    text: str
    language: str | None = None
    translations: dict[str, str] = {}
    anonymous: bool = False
    contact: dict[str, str | None] | None = None
    point: PointRef | None = None
    kiosk: dict[str, Any] | None = None
    department: str | None = None
    establishment: str | None = None
    category: str | None = None
    suggested_category: str | None = None
    assignee: dict[str, Any] | None = None
    created_at: str
    first_response_at: str | None = None
    resolved_at: str | None = None


class TicketList(_Answer):
    """Newest first; pass `next_cursor` as `cursor` for the page before (null: no more)."""

    items: list[Ticket]
    next_cursor: int | None


class Message(_Answer):
    """A message of the conversation; `author` is "customer" or "staff"."""

    id: str
    ticket_id: str
    author: str
    author_name: str | None = None
    text: str
    translations: dict[str, str] | None = None
    created_at: str


class Note(_Answer):
    """A staff note, never shown to the customer."""

    id: str
    ticket_id: str
    author_id: str | None = None
    author_name: str | None = None
    text: str
    created_at: str


class TicketDetail(Ticket):
    """The ticket with its conversation, notes, history and deliveries."""

    messages: list[Message]
    notes: list[Note]
    history: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


class Event(_Answer):
    name: str  # ticket.created, ticket.updated, ticket.message, ticket.note …
    seq: int
    data: dict[str, Any]  # the event's payload, as the /staff socket sends it


class EventList(_Answer):
    """Stored events after `since`, as a console would have received them."""

    items: list[Event]
    latest: int  # the last seq this page covered: ask again from it while has_more
    has_more: bool


# ---- The customer's thread (GET /api/v1/thread/<token>): what the customer sees -----------

CustomerStatus = Literal["received", "being_handled", "resolved"]


class Author(_Answer):
    name: str | None = None  # a staff member's name; null when they have none to show


class CustomerTicket(_Answer):
    """The ticket as its customer sees it: a simplified `status` and no staff-only fields."""

    id: str
    number: int
    status: CustomerStatus
    text: str
    language: str | None = None
    translations: dict[str, str] = {}
    anonymous: bool = False
    point: dict[str, str | None] | None = None  # {"label"}: where it was sent from
    created_at: str
    resolved_at: str | None = None
    survey: dict[str, Any] | None = None  # the customer's own rating, once given


class ThreadMessage(_Answer):
    """A message of the conversation: `from` whom, and who answered (`author`, staff only)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    ticket_id: str
    from_: Literal["customer", "staff"] = Field(alias="from")
    author: Author | None = None
    text: str
    translations: dict[str, str] | None = None
    created_at: str


class ThreadAttachment(_Answer):
    """A photo of the conversation; `message_id` is the message it came with."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    message_id: str | None = None
    from_: Literal["customer", "staff"] = Field(alias="from")
    author: Author | None = None
    content_type: str
    size: int
    url: str
    thumbnail_url: str
    created_at: str


class Thread(_Answer):
    """The customer's ticket and conversation, and when to expect an answer."""

    ticket: CustomerTicket
    messages: list[ThreadMessage]
    expected_reply_by: str | None = None  # the next opening while the business is closed
    usual_reply_minutes: int | None = None  # how long answers usually take; null: no history
    attachments: list[ThreadAttachment] = []
