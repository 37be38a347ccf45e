"""Privacy basics: a ticket's network address and device id do not outlive their use.

They serve abuse control (rate limits, repeats, blocks) for a short while after an SOS.
Per tenant, after `privacy_retention_days` (default 30) a periodic sweep clears them, with
the other identifying intake signals, from older tickets. Anonymous tickets never keep
them longer than the default, whatever the tenant set. Contact data the customer chose to
leave stays: staff answer through it, and blocks by e-mail or phone keep working.

Photos can show faces, rooms and people who never wrote to anyone: they go too. Once a
ticket is settled (resolved or closed) and untouched for the same retention, the sweep
deletes its photos' bytes (the blob store) and marks their entries `purged_at`; a ticket
still being handled keeps them, however old, until it is settled and the time has passed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from hub.clock import iso, now
from hub.ports import BlobStore, Doc, Store
from hub.tickets.model import Status
from hub.tickets.repository import TicketRepository

log = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
# Everything intake kept about the sender's connection and device, not what they told us.
IDENTIFYING = ("ip", "network", "device_id", "signals")
BATCH = 500
SETTLED = (Status.resolved.value, Status.closed.value)


def retention_days(tenant: Doc, *, anonymous: bool) -> int:
    """Days a ticket keeps its sender's address and device (a bad setting: the default)."""
    raw = tenant.get("privacy_retention_days")
    days = raw if isinstance(raw, int) and not isinstance(raw, bool) else DEFAULT_RETENTION_DAYS
    days = max(0, min(MAX_RETENTION_DAYS, days))
    return min(days, DEFAULT_RETENTION_DAYS) if anonymous else days


async def purge_tenant(
    store: Store, tenant: Doc, moment: datetime, blobs: BlobStore | None = None
) -> int:
    """Clear identifying fields of this tenant's tickets older than its retention, and
    (given the blob store) the photos of its settled tickets untouched for as long."""
    cleared = 0 if blobs is None else await purge_photos(store, blobs, tenant, moment)
    tickets = TicketRepository(store)
    for anonymous in (True, False):
        bound = iso(moment - timedelta(days=retention_days(tenant, anonymous=anonymous)))
        while True:
            docs = await tickets.unpurged_before(
                tenant["id"], bound, anonymous=anonymous, limit=BATCH
            )
            for doc in docs:
                sets: Doc = {field: None for field in IDENTIFYING if field in doc}
                sets["privacy_purged_at"] = iso(moment)
                await tickets.set_fields(tenant["id"], doc["id"], sets)
                cleared += 1
            if len(docs) < BATCH:
                break
    return cleared


async def purge_photos(store: Store, blobs: BlobStore, tenant: Doc, moment: datetime) -> int:
    """Delete the photos of this tenant's settled tickets left untouched past the retention;
    returns how many tickets lost theirs."""
    emptied = 0
    tickets = TicketRepository(store)
    for anonymous in (True, False):
        bound = iso(moment - timedelta(days=retention_days(tenant, anonymous=anonymous)))
        while True:
            docs = await tickets.settled_with_photos(
                tenant["id"], bound, SETTLED, anonymous=anonymous, limit=BATCH
            )
            for doc in docs:
                await _erase_photos(tickets, blobs, tenant["id"], doc, iso(moment))
                emptied += 1
            if len(docs) < BATCH:
                break
    return emptied


async def _erase_photos(
    tickets: TicketRepository, blobs: BlobStore, tenant_id: str, ticket: Doc, moment: str
) -> None:
    """The bytes first, then the marks: a sweep cut short deletes the rest next time."""
    for entry in await tickets.stored_photos(tenant_id, ticket["id"]):
        for key in (entry.get("blobs") or {}).values():
            await blobs.delete(tenant_id, str(key))
        await tickets.photo_purged(tenant_id, entry["id"], moment)
    await tickets.set_fields(tenant_id, ticket["id"], {"photos_stored": 0})


async def purge_private_data(
    store: Store, moment: datetime | None = None, blobs: BlobStore | None = None
) -> int:
    """One sweep over every tenant; returns how many tickets it cleared (of addresses and
    device ids, or of photos)."""
    moment = moment or now()
    total = 0
    for tenant_id in await store.tenant_ids():
        tenant = await store.get(tenant_id, "tenants", tenant_id)
        if tenant is not None:
            total += await purge_tenant(store, tenant, moment, blobs)
    return total


async def purge_forever(
    store: Store,
    *,
    first: float,
    every: float,
    clock: Callable[[], datetime] = now,
    blobs: BlobStore | None = None,
) -> None:
    """The periodic sweep each hub process runs (soon after start, then every `every` s)."""
    wait = first
    while True:
        await asyncio.sleep(wait)
        wait = every
        try:
            found = await purge_private_data(store, clock(), blobs)
            if found:
                log.info("privacy sweep cleared personal data of %d ticket(s)", found)
        except Exception:  # the store may be briefly away; the next round catches up
            log.exception("privacy sweep failed")
