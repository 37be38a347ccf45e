"""The ports: what the domain needs from the outside world, as Protocols.

The store is a small document store whose every method takes the tenant first, so no
query can run without one. `lookup` is the exception: it resolves *which* tenant a public
key (a slug, a point code, a thread token, an API or kiosk token hash: the fields of
`hub.store.schema.GLOBAL_UNIQUE`) belongs to; `lookup_all` finds the documents of a key that
is unique only per tenant (a staff e-mail: `hub.store.schema.GLOBAL_KEYS`) in every tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

Doc = dict[str, Any]
Where = Mapping[str, Any]

COLLECTIONS: tuple[str, ...] = (
    "tenants",
    "users",
    "password_links",
    "establishments",
    "departments",
    "points",
    "tickets",
    "entries",
    "events",
    "rules",
    "outbox",
    "blocks",
    "configs",
    "kiosks",
    "sessions",
    "scans",
    # The installation's operators and their sessions: scoped to INSTALLATION, never to a
    # tenant, so no tenant's query can reach them (hub/installation/operators.py).
    "operators",
    "operator_sessions",
    "answers",
    # A kiosk's Idempotency-Key per SOS: a retry after a lost answer finds its ticket.
    "kiosk_requests",
    "survey_responses",  # standalone survey answers (hub/surveys/service.py)
    "alerts",  # threshold alerts (hub/alerts)
)

# The scope (the `tenant_id` argument) of the installation's own documents: no tenant has
# this id (tenant ids are uuid4 hex), and `tenant_ids()` lists only real tenants.
INSTALLATION = "installation"


# The largest event `seq` a client may name: what a JavaScript console holds exactly (and
# well within SQLite's and BSON's integers). The socket `resume` and `GET /api/v1/events`
# both check `since` against it.
MAX_SEQ = 2**53 - 1

# The most documents `lookup_all` returns: a login checks each account's password (Argon2),
# so one e-mail's accounts across businesses stay few.
LOOKUP_ALL_LIMIT = 20


class StoreError(Exception):
    """A store operation failed."""


class Conflict(StoreError):
    """A unique value (slug, e-mail, code …) is already taken."""


@dataclass(frozen=True)
class Insert:
    """Add a new document to a collection."""

    collection: str
    doc: Doc


@dataclass(frozen=True)
class Update:
    """Set fields of one document (dotted paths are not supported: set whole values).

    With `expected` (top-level fields, as `Store.update_if`), the change is left out, not an
    error, once those no longer hold: a page of compare-and-sets written in one commit."""

    collection: str
    id: str
    set: Doc
    expected: Where | None = None


Change = Insert | Update


@dataclass(frozen=True)
class Get:
    """A read for `Store.read_many`: one document by id (its answer: the document or None)."""

    collection: str
    id: str


@dataclass(frozen=True)
class Find:
    """A read for `Store.read_many`: as `Store.find` (its answer: a list of documents)."""

    collection: str
    where: Where | None = None
    sort: str | None = None
    descending: bool = False
    limit: int | None = None


Read = Get | Find


@dataclass(frozen=True)
class EventDraft:
    """An event to store with the change that caused it; `seq` is assigned on commit."""

    name: str
    ticket_id: str | None
    staff: Doc | None
    customer: Doc | None = None


@dataclass(frozen=True)
class Event:
    """A stored event: a per-tenant, strictly increasing `seq` and what each audience sees."""

    tenant_id: str
    seq: int
    name: str
    ticket_id: str | None
    staff: Doc | None
    customer: Doc | None
    created_at: str = ""

    def to_doc(self) -> Doc:
        return {
            "id": f"{self.tenant_id}:{self.seq:012d}",
            "tenant_id": self.tenant_id,
            "seq": self.seq,
            "name": self.name,
            "ticket_id": self.ticket_id,
            "staff": self.staff,
            "customer": self.customer,
            "created_at": self.created_at,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Event:
        return cls(
            tenant_id=doc["tenant_id"],
            seq=int(doc["seq"]),
            name=doc["name"],
            ticket_id=doc.get("ticket_id"),
            staff=doc.get("staff"),
            customer=doc.get("customer"),
            created_at=doc.get("created_at", ""),
        )


class Store(Protocol):
    """A tenant-scoped document store (SQLite or MongoDB).

    `where` maps a (dotted) field to a value (equality; None matches missing or null) or to
    one operator dict: {"in": [...]}, {"gt"|"gte"|"lt"|"lte"|"ne": v}, {"contains": s}
    (case-insensitive substring). The key "$search" takes (fields, text): any field contains it.

    `count_by` counts the matching documents per value of one field (those without it are
    left out), in the store: the held-back page lists every network's flood, however long.

    `increment` adds to a number field of one document, creating the document (with
    `fields`) when it is absent, atomically across processes (SQLite's UPSERT, MongoDB's
    `$inc` with upsert): counters that many requests bump at once (scans) never lose a count.
    Only top-level fields; an `id` another tenant holds raises Conflict, and changes nothing.

    `update_if` is a compare-and-set: it sets `changes` only while every top-level field in
    `expected` still equals its value (None: missing or null), atomically across processes,
    and returns None otherwise (claims on outbox items rely on it). `tenant_ids` lists every
    tenant, for system sweeps that then query each tenant in turn.
    """

    kind: str

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def insert(self, tenant_id: str, collection: str, doc: Doc) -> Doc: ...
    async def get(self, tenant_id: str, collection: str, id: str) -> Doc | None: ...
    async def find(
        self,
        tenant_id: str,
        collection: str,
        where: Where | None = None,
        *,
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Doc]: ...
    async def count(self, tenant_id: str, collection: str, where: Where | None = None) -> int: ...
    async def count_by(
        self, tenant_id: str, collection: str, field: str, where: Where | None = None
    ) -> dict[Any, int]: ...
    async def update(
        self, tenant_id: str, collection: str, id: str, changes: Doc
    ) -> Doc | None: ...
    async def update_if(
        self, tenant_id: str, collection: str, id: str, expected: Where, changes: Doc
    ) -> Doc | None: ...
    async def increment(
        self,
        tenant_id: str,
        collection: str,
        id: str,
        field: str,
        by: int = 1,
        *,
        fields: Doc | None = None,
    ) -> None: ...
    async def delete(self, tenant_id: str, collection: str, id: str) -> bool: ...
    async def next_value(self, tenant_id: str, counter: str) -> int: ...
    async def commit(
        self, tenant_id: str, changes: Sequence[Change], events: Sequence[EventDraft]
    ) -> list[Event]: ...
    async def events_after(self, tenant_id: str, seq: int, limit: int = 500) -> list[Event]: ...
    async def latest_seq(self, tenant_id: str) -> int: ...
    async def lookup(self, collection: str, field: str, value: str) -> Doc | None: ...
    async def lookup_all(
        self, collection: str, field: str, value: str, limit: int = LOOKUP_ALL_LIMIT
    ) -> list[Doc]: ...
    async def lookup_with_tenant(
        self, collection: str, field: str, value: str
    ) -> tuple[Doc | None, Doc | None]: ...
    async def read_many(self, tenant_id: str, reads: Sequence[Read]) -> list[Any]: ...
    async def tenant_ids(self) -> list[str]: ...


class RecentVisits(Protocol):
    """Remembers for a few minutes which browser opened which page, and nothing longer.

    `first_visit` is True the first time a (page, visitor) pair is seen within the window
    (and when it cannot tell); the adapters keep only a keyed hash of the pair, in memory or
    in Redis with an expiry, never in the store.
    """

    async def first_visit(self, page: str, visitor: str) -> bool: ...
    async def close(self) -> None: ...


class SenderTurns(Protocol):
    """One sender's SOS screened and stored one at a time (see `hub.turns`).

    `turn(keys)` is an async context inside which no other request holds any of `keys`;
    one not had in time lets the request through rather than stall it.
    """

    def turn(self, keys: Iterable[str]) -> AbstractAsyncContextManager[None]: ...
    async def close(self) -> None: ...


class Publisher(Protocol):
    """Pushes stored events to connected clients (socket.io rooms, via Redis in scale-out)."""

    async def publish(self, events: Sequence[Event]) -> None: ...


class BlobStore(Protocol):
    """Binary blobs (photos) beside the document store, by tenant and key.

    Keys are made by the hub (an attachment's id and a suffix), never taken from a request;
    adapters still refuse any key or tenant id that is not plain letters, digits, `-`, `_`.
    A blob is written whole or not at all: a reader never sees half a file.
    """

    kind: str

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def put(self, tenant_id: str, key: str, content: bytes, content_type: str) -> None: ...
    async def get(self, tenant_id: str, key: str) -> bytes | None: ...
    async def delete(self, tenant_id: str, key: str) -> bool: ...


# Statistics the store answers itself (hub/tickets/stats.py asks, hub/tickets/facts.py says
# what each ticket contributes): counts grouped in the store, never tickets loaded to Python.


@dataclass(frozen=True)
class StatsQuery:
    """Tickets of one tenant created in [start, end) (ISO UTC times), grouped `by` one of
    hub.tickets.facts.GROUP_FACTS; `sla_minutes` is the promise `within_sla` counts against.
    `binned`: the median and 90th percentile may be given at the histograms' resolution
    (hub/tickets/facts.py `binned`, for periods over EXACT_DAYS), which lets a store count
    the period's whole local days (in `timezone`) from its per-day rollups.
    `category_group`: only the tickets staff put in that group (hub.tickets.facts.FILTERED
    says for which groupings); `establishment`: only that establishment's (counted from
    the facts, whatever the period: the monthly report's)."""

    tenant_id: str
    start: str
    end: str
    by: str
    sla_minutes: float
    timezone: str | None = None
    binned: bool = False
    category_group: str | None = None
    establishment: str | None = None


@dataclass(frozen=True)
class Timing:
    """Minutes something took across a group: how many have it, the nearest-rank median and
    90th percentile (exact, unrounded), and how many within the promise."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    within_sla: int = 0


@dataclass(frozen=True)
class GroupFigures:
    """One group's figures (held-back tickets never count here). `label`: the latest name a
    ticket of the group gave its key (points, kiosks, agents), None otherwise."""

    key: Any
    label: str | None
    count: int
    from_qr: int
    first_response: Timing
    resolution: Timing
    ratings: Mapping[str, int]
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class TicketFigures:
    """A statistics answer: the held-back tickets apart, the rest overall and per group (in
    no particular order: the use case orders them)."""

    held_back: int
    overall: GroupFigures
    groups: list[GroupFigures]


@dataclass(frozen=True)
class AgentReplies:
    """One agent's staff replies in a period: `id` (None for old replies told by name), the
    name on their latest reply, and how many replies covered each etiquette step."""

    id: str | None
    name: str | None
    replies: int
    covered: Mapping[str, int]


class StatsStore(Protocol):
    """What a store answers for the statistics (both adapters implement it)."""

    async def ticket_figures(self, query: StatsQuery) -> TicketFigures: ...
    async def reply_figures(self, tenant_id: str, start: str, end: str) -> list[AgentReplies]: ...
