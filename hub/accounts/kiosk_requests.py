"""Exactly one ticket per kiosk submission, however often the kiosk sends it.

A kiosk on hotel Wi-Fi keeps a guest's SOS in its browser and sends it again until it sees
an answer; when the hub stored the SOS but the answer was lost, the retry must find that
ticket, not make a second one. Each submission carries an `Idempotency-Key`; the first
request with a key stores a claim in `kiosk_requests`, whose `key` ("<kiosk>:<key>") is
unique per tenant in both stores (hub/store/schema.py), so of two racing requests exactly
one wins the insert. The winner creates the ticket and settles the claim with its id;
the loser waits briefly for that id and answers the same ticket. A claim whose holder died
before settling (a crashed process) expires after `LEASE` and may be taken over with a
compare-and-set; a request that failed (bad input, over budget) gives its claim back, so
the kiosk's next try is judged afresh.

A claim also keeps the `fingerprint` of the body that made it (a hash of its canonical
JSON: text, department, contact, language …). A repeat is the same submission only when its
body is the same: a key reused with another body (a kiosk's bug, or a replayed key on a
stolen token) is refused with 422 `idempotency_key_reused` and never answers the first
ticket, whose private thread link belongs to another guest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hub.clock import iso, now
from hub.errors import Conflicting, HubError, Invalid
from hub.ports import Conflict, Doc, Store

COLLECTION = "kiosk_requests"
HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
LEASE = timedelta(seconds=30)  # a claim unsettled this long belongs to a dead request
WAIT_SECONDS = 5.0  # how long a duplicate waits for the first request's ticket
KEEP = timedelta(days=7)  # a kiosk retrying later than this would make a second ticket


def checked_key(value: str | None) -> str | None:
    """The header's key, or None when absent; 400 naming the header when malformed."""
    if value is None or value == "":
        return None
    if not KEY_PATTERN.match(value):
        raise Invalid(f"{HEADER}: 8 to 100 letters, digits, '-' or '_'", field=HEADER)
    return value


class KeyReused(HubError):
    """An Idempotency-Key already used by this kiosk for another body (422)."""

    status = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            f"{HEADER}: this key was already used for another message; "
            "send this one with a new key",
            field=HEADER,
        )


def fingerprint(body: Mapping[str, Any]) -> str:
    """The hash of a submission's canonical JSON: equal bodies, equal fingerprints."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_id(kiosk_id: str, key: str) -> str:
    """The claim's id: derived from the kiosk and the key, so both stores agree on it."""
    return hashlib.sha256(f"{kiosk_id}|{key}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Claim:
    """What `begin` found: a claim to fulfil (`doc`), or the ticket an earlier try made."""

    doc: Doc | None = None
    ticket_id: str | None = None


class KioskRequests:
    """The claims of kiosk submissions, one per (kiosk, Idempotency-Key)."""

    def __init__(self, store: Store, *, wait: float = WAIT_SECONDS) -> None:
        self.store = store
        self.wait = wait

    async def begin(self, tenant_id: str, kiosk_id: str, key: str, body: str) -> Claim:
        """Claim this submission, or find the ticket an earlier request with it made.

        `body` is the submission's `fingerprint`. Raises KeyReused (422) when the key was
        claimed for another body, and Conflicting (409) when another request holds a live
        claim and has not finished within `wait` seconds: the kiosk keeps the SOS and
        tries again.
        """
        rid = request_id(kiosk_id, key)
        moment = now()
        doc: Doc = {
            "id": rid,
            "key": f"{kiosk_id}:{key}",
            "kiosk_id": kiosk_id,
            "fingerprint": body,
            "ticket_id": None,
            "claim_until": iso(moment + LEASE),
            "created_at": iso(moment),
        }
        try:
            return Claim(doc=await self.store.insert(tenant_id, COLLECTION, doc))
        except Conflict:
            pass
        deadline = time.monotonic() + self.wait
        while True:
            current = await self.store.get(tenant_id, COLLECTION, rid)
            if current is None:  # given back meanwhile: claim it afresh
                return await self.begin(tenant_id, kiosk_id, key, body)
            # Another body under this key (or a claim from before fingerprints: unknown
            # body) is never answered with that claim's ticket, settled or not.
            if current.get("fingerprint") != body:
                raise KeyReused()
            if current.get("ticket_id"):
                return Claim(ticket_id=str(current["ticket_id"]))
            if str(current.get("claim_until") or "") < iso(now()):
                taken = await self.store.update_if(
                    tenant_id,
                    COLLECTION,
                    rid,
                    {"ticket_id": None, "claim_until": current.get("claim_until")},
                    {"claim_until": iso(now() + LEASE)},
                )
                if taken is not None:
                    return Claim(doc=taken)
            if time.monotonic() > deadline:
                raise Conflicting(f"{HEADER}: this message is still being sent; try again")
            await asyncio.sleep(0.05)

    async def settle(self, tenant_id: str, claim: Doc, ticket_id: str) -> None:
        """Record the ticket this submission made (later tries answer it)."""
        await self.store.update(tenant_id, COLLECTION, claim["id"], {"ticket_id": ticket_id})

    async def give_back(self, tenant_id: str, claim: Doc) -> None:
        """The request failed before a ticket existed: the next try starts afresh."""
        await self.store.delete(tenant_id, COLLECTION, claim["id"])

    async def purge(self, tenant_id: str, *, limit: int = 500) -> int:
        """Forget claims older than KEEP (a kiosk's queue never waits that long)."""
        bound = iso(now() - KEEP)
        old = await self.store.find(
            tenant_id, COLLECTION, {"created_at": {"lt": bound}}, sort="created_at", limit=limit
        )
        for doc in old:
            await self.store.delete(tenant_id, COLLECTION, doc["id"])
        return len(old)
