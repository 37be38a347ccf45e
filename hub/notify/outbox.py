"""The outbox: every notification is a stored item, `pending → sent | failed | skipped`.

Item ids are derived from what the item is (ticket or message, kind, step, channel,
address), so routing a ticket twice creates nothing twice. Sending is guarded by a claim:
a compare-and-set on the item that only one worker wins, with a lease after which a
worker that died mid-send is presumed dead and the item may be claimed again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hub.clock import iso, new_secret, parse_iso
from hub.errors import Invalid
from hub.ports import Conflict, Doc, Store, Where

if TYPE_CHECKING:
    from hub.tickets.routing import Recipient

COLLECTION = "outbox"
NO_TRANSPORT = "not sent: no transport configured"
ACKNOWLEDGED = "not sent: the ticket was acknowledged before this step"
BUDGET_EXCEEDED = "not sent: budget exceeded ({sent} SMS in the last hour, limit {limit})"
TICKET_GONE = "not sent: the ticket no longer exists"
TICKET_SETTLED = "not sent: the ticket was resolved or closed before it could be sent"
NO_SENDER_THREAD = "not sent: no sender thread was free in time"
PROVIDER_TIMEOUT = "time-out: the provider did not answer in time"
BAD_ADDRESS = "not sent: {to!r} is not a valid address"
# (the reasons the hub writes itself: the deliveries page words each in the reader's
# language, hub/routes/delivery.py; the API gives them as they are)
DEFAULT_SMS_HOURLY_BUDGET = 60
PUBLIC_FIELDS = (
    "id",
    "ticket_id",
    "channel",
    "to",
    "name",
    "language",
    "kind",
    "status",
    "attempts",
    "reason",
    "provider_answer",
    "created_at",
    "sent_at",
    "due_at",
    "step",
)


def budget_counter(moment: datetime) -> str:
    """The store counter that holds one clock hour's (UTC) reserved SMS: `sms:2026120313`."""
    return "sms:" + moment.astimezone(UTC).strftime("%Y%m%d%H")


def item_id(source_id: str, kind: str, step: int, channel: str, to: str) -> str:
    """A stable id for "this notification about this ticket/message to this address"."""
    key = "|".join((source_id, kind, str(step), channel, to.strip().lower()))
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def new_item(
    *,
    ticket_id: str,
    channel: str,
    to: str,
    name: str,
    language: str,
    kind: str,
    created_at: datetime,
    due_at: datetime | None = None,
    step: int = 0,
    source_id: str | None = None,
    message_id: str | None = None,
) -> Doc:
    """A pending item; `due_at` is when it should next be tried (escalations: later)."""
    return {
        "id": item_id(source_id or ticket_id, kind, step, channel, to),
        "ticket_id": ticket_id,
        "message_id": message_id,
        "channel": channel,
        "to": to,
        "name": name,
        "language": language,
        "kind": kind,
        "step": step,
        "status": "pending",
        "attempts": 0,
        "reason": None,
        "provider_answer": None,
        "created_at": iso(created_at),
        "due_at": iso(due_at or created_at),
        # the retry window runs from when the item is first due (an escalation a day
        # later gets its whole window, not what is left of one counted from the SOS)
        "retry_from": iso(due_at or created_at),
        "sent_at": None,
        "claimed_by": None,
        "claim_until": None,
    }


async def add_items(store: Store, tenant_id: str, items: Iterable[Doc]) -> list[Doc]:
    """Store new items; an item that already exists (same id) is kept as it is."""
    stored: list[Doc] = []
    for item in items:
        try:
            stored.append(await store.insert(tenant_id, COLLECTION, item))
        except Conflict:
            existing = await store.get(tenant_id, COLLECTION, item["id"])
            if existing is not None:
                stored.append(existing)
    return stored


async def add_new_items(store: Store, tenant_id: str, items: Iterable[Doc]) -> list[Doc]:
    """Store new items and answer only those that were not there yet (to send them once)."""
    stored: list[Doc] = []
    for item in items:
        try:
            stored.append(await store.insert(tenant_id, COLLECTION, item))
        except Conflict:
            continue
    return stored


async def claim(store: Store, tenant_id: str, item: Doc, now: datetime, lease: float) -> Doc | None:
    """Take a pending item for one attempt; None when someone else holds or finished it."""
    if item.get("status") != "pending":
        return None
    if item.get("claim_until") and item["claim_until"] > iso(now):
        return None  # another worker is on it and its lease runs
    return await store.update_if(
        tenant_id,
        COLLECTION,
        item["id"],
        {"status": "pending", "claimed_by": item.get("claimed_by")},
        {
            "claimed_by": new_secret(9),
            "claim_until": iso(now + timedelta(seconds=lease)),
            "attempts": int(item.get("attempts") or 0) + 1,
        },
    )


async def finish(
    store: Store,
    tenant_id: str,
    claimed: Doc,
    status: str,
    *,
    now: datetime,
    reason: str | None = None,
    answer: str | None = None,
    count_attempt: bool = True,
) -> Doc | None:
    """Close a claimed item as sent, failed or skipped; None when the claim was lost."""
    changes: Doc = {
        "status": status,
        "reason": reason,
        "provider_answer": answer,
        "claimed_by": None,
        "claim_until": None,
    }
    if status == "sent":
        changes["sent_at"] = iso(now)
    changes["in_flight_since"] = None  # an outcome is known now
    if not count_attempt:  # skipped without trying: the claim was not an attempt
        changes["attempts"] = max(0, int(claimed.get("attempts") or 1) - 1)
    return await store.update_if(
        tenant_id, COLLECTION, claimed["id"], {"claimed_by": claimed["claimed_by"]}, changes
    )


async def mark_in_flight(store: Store, tenant_id: str, claimed: Doc, now: datetime) -> None:
    """Note that a send is starting; kept (the first one) until an outcome is recorded.

    An item claimed again with this mark set had an attempt whose end nobody heard of:
    the sender asks the provider (by the item id, the message's reference) before resending.
    """
    if claimed.get("in_flight_since"):
        return
    await store.update_if(
        tenant_id,
        COLLECTION,
        claimed["id"],
        {"claimed_by": claimed["claimed_by"]},
        {"in_flight_since": iso(now)},
    )


async def sent_anyway(
    store: Store, tenant_id: str, claimed: Doc, now: datetime, answer: str
) -> Doc | None:
    """Record a send whose claim had lapsed meanwhile: sent is sent, whoever holds it now."""
    return await store.update_if(
        tenant_id,
        COLLECTION,
        claimed["id"],
        {"status": "pending"},
        {
            "status": "sent",
            "sent_at": iso(now),
            "provider_answer": answer,
            "reason": None,
            "claimed_by": None,
            "claim_until": None,
            "in_flight_since": None,
        },
    )


async def retry_later(
    store: Store, tenant_id: str, claimed: Doc, *, reason: str, due_at: datetime
) -> Doc | None:
    """Give a failed attempt back: pending again, due after the backoff, reason kept."""
    return await store.update_if(
        tenant_id,
        COLLECTION,
        claimed["id"],
        {"claimed_by": claimed["claimed_by"]},
        {"reason": reason, "due_at": iso(due_at), "claimed_by": None, "claim_until": None},
    )


def resendable(item: Doc) -> bool:
    """A failed item, or one skipped because its channel had no service (set up since, maybe)."""
    status = item.get("status")
    return status == "failed" or (status == "skipped" and item.get("reason") == NO_TRANSPORT)


async def resend(store: Store, tenant_id: str, item: Doc, now: datetime, by: str) -> Doc | None:
    """A failed item (or one skipped for want of a channel) pending again, due now, with a
    new retry window (a manager's re-send).

    Compare-and-set on the status (and reason) it had: of two clicks (or two managers) only
    one re-sends; the other gets None. The attempts and the last reason stay, for the record.
    """
    if not resendable(item):
        return None
    was: Doc = {"status": item["status"], "attempts": item.get("attempts")}
    if item["status"] == "skipped":
        was["reason"] = NO_TRANSPORT
    return await store.update_if(
        tenant_id,
        COLLECTION,
        item["id"],
        was,
        {
            "status": "pending",
            "due_at": iso(now),
            "retry_from": iso(now),
            "resent_by": by,
            "claimed_by": None,
            "claim_until": None,
        },
    )


async def skip_pending(store: Store, tenant_id: str, item: Doc, reason: str) -> Doc | None:
    """Mark an unclaimed pending item skipped (an escalation made moot by an acknowledgement)."""
    return await store.update_if(
        tenant_id,
        COLLECTION,
        item["id"],
        {"status": "pending", "claimed_by": None},
        {"status": "skipped", "reason": reason},
    )


async def lost_items(store: Store, tenant_id: str, now: datetime, stale: float) -> list[Doc]:
    """Pending items overdue by more than `stale` seconds whose claim (if any) has lapsed."""
    bound = iso(now - timedelta(seconds=stale))
    docs = await store.find(
        tenant_id,
        COLLECTION,
        {"status": "pending", "due_at": {"lt": bound}},
        sort="due_at",
        limit=500,
    )
    return [d for d in docs if not d.get("claim_until") or d["claim_until"] < iso(now)]


def for_recipients(recipients: Iterable[Recipient], **fields: Any) -> list[Doc]:
    """One pending item per recipient (a routing plan's people), the rest as `new_item`."""
    return [
        new_item(channel=r.channel, to=r.to, name=r.name, language=r.language, **fields)
        for r in recipients
    ]


def delivery_json(doc: Doc) -> dict[str, Any]:
    """An outbox item as the deliveries API shows it (no claim internals)."""
    return {k: doc.get(k) for k in PUBLIC_FIELDS}


async def ticket_deliveries(store: Store, tenant_id: str, ticket_id: str) -> list[dict[str, Any]]:
    """A ticket's deliveries, oldest first."""
    docs = await store.find(tenant_id, COLLECTION, {"ticket_id": ticket_id}, sort="created_at")
    return [delivery_json(d) for d in docs]


def addresses_of(items: Iterable[Doc]) -> set[str]:
    """Every recipient address in these items, as stored and as a provider may echo it."""
    found: set[str] = set()
    for item in items:
        to = str(item.get("to") or "").strip()
        if to:
            found.update({to, to.lstrip("+"), to.lower()})
    return {a for a in found if len(a) >= 3}


def scrub(text: Any, addresses: set[str]) -> Any:
    """`text` with every one of `addresses` replaced by an ellipsis (non-strings as they are)."""
    if not isinstance(text, str):
        return text
    for address in sorted(addresses, key=len, reverse=True):
        text = text.replace(address, "…")
    return text


def for_agent(delivery: dict[str, Any], addresses: set[str]) -> dict[str, Any]:
    """A delivery as an agent sees it: what happened, not to whom (recipients stay private).

    `/api/v1/deliveries` is for managers: the rules' recipients (their e-mails and phones)
    are not an agent's to read, in a ticket's deliveries nor in its history.
    """
    return {
        **delivery,
        "to": None,
        "provider_answer": scrub(delivery.get("provider_answer"), addresses),
        "reason": scrub(delivery.get("reason"), addresses),
    }


def by_status(items: Sequence[Doc]) -> dict[str, int]:
    """How many items per status (for the admin page's summary)."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.get("status", "?")] = counts.get(item.get("status", "?"), 0) + 1
    return counts


def write_cursor(at: str, seen: int) -> str:
    """An opaque, URL-safe `next_cursor`: a creation time and how many of it were shown."""
    return base64.urlsafe_b64encode(f"{at}|{seen}".encode()).decode().rstrip("=")


def read_cursor(cursor: str) -> tuple[str, int]:
    """What `write_cursor` wrote; anything else is a 400 naming `cursor`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, seen = text.split("|")
        parse_iso(at)
        if not seen.isdigit() or int(seen) > MAX_SKIPPED:
            raise ValueError(seen)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor: not a next_cursor this list gave", field="cursor") from None
    return at, int(seen)


# Items of one creation time a cursor may skip (far more than one alert ever writes at once).
MAX_SKIPPED = 100_000


class Deliveries:
    """Reading the outbox: for the deliveries API and page, a ticket's detail, ack links."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def find(
        self, tenant_id: str, where: Where, *, newest_first: bool, limit: int
    ) -> list[Doc]:
        """Items matching `where` (equality on stored fields), by creation time."""
        return await self.store.find(
            tenant_id, COLLECTION, where, sort="created_at", descending=newest_first, limit=limit
        )

    async def page(
        self, tenant_id: str, where: Where, *, newest_first: bool, limit: int, cursor: str | None
    ) -> tuple[list[Doc], str | None]:
        """Up to `limit` items after `cursor`, and the cursor of the next page (None: the last).

        Items sort by creation time, and many share one (an alert to three people is
        written at once); so a cursor is the time of the page's last item and how many
        items of that time the pages so far have shown, which the store returns in a
        stable order: the next page skips those.
        """
        at, seen = read_cursor(cursor) if cursor else (None, 0)
        if at is not None:
            where = {**where, "created_at": {"lte" if newest_first else "gte": at}}
        docs = await self.store.find(
            tenant_id,
            COLLECTION,
            where,
            sort="created_at",
            descending=newest_first,
            limit=seen + limit + 1,
        )
        docs = docs[seen:]
        shown = docs[:limit]
        if len(docs) <= limit or not shown:
            return shown, None
        last = shown[-1]["created_at"]
        same = sum(1 for d in shown if d["created_at"] == last)
        if same == len(shown) and last == at:  # the whole page was of the cursor's time
            same += seen
        return shown, write_cursor(last, same)

    async def of_ticket(self, tenant_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """A ticket's deliveries as JSON, oldest first."""
        return await ticket_deliveries(self.store, tenant_id, ticket_id)

    async def item(self, tenant_id: str, item_id: str) -> Doc | None:
        return await self.store.get(tenant_id, COLLECTION, item_id)
