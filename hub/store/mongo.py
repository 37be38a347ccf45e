"""MongoStore: the scale-out store on MongoDB through motor, same contract as SqliteStore.

Each document is stored with `_id` equal to its "id" (both kept, so `where` and `sort` work on
"id" as in SQLite) and is returned without `_id`. Filters are built from the small `where`
language of `hub.ports.Store` only: field names are checked (no "$" can reach the server as a
key) and every value is passed under an explicit operator (`$eq`, `$in` …), never as one.

No transactions (mongomock has none, and a standalone server neither): `commit` first checks
that every Update has a target, then applies the changes in order, then inserts the events,
each with a seq from the per-tenant counter. The write order is therefore change-then-event;
a failure half-way (a Conflict, a crash) can leave earlier changes without their event.
Concurrent commits may insert their events out of seq order for a moment, so `events_after`
stops before a fresh gap (see GAP_GRACE_SECONDS) rather than let a reader skip past it.

Every call is bounded (`timeout`: server selection and the whole operation); a server that is
unreachable, fails over, times out or cannot confirm a write raises StoreUnavailable (503).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorCollection
from pymongo import ReturnDocument
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    PyMongoError,
    WriteConcernError,
)

from hub.clock import now_iso
from hub.errors import StoreUnavailable
from hub.ports import (
    COLLECTIONS,
    LOOKUP_ALL_LIMIT,
    AgentReplies,
    Change,
    Conflict,
    Doc,
    Event,
    EventDraft,
    Find,
    Get,
    Insert,
    Read,
    StatsQuery,
    StoreError,
    TicketFigures,
    Where,
)
from hub.store import mongo_stats
from hub.store.mongo_stats import FACTS
from hub.store.schema import (
    GLOBAL_KEYS,
    GLOBAL_UNIQUE,
    INDEXES,
    RETIRED_UNIQUE,
    SCHEMA_VERSION,
    TENANT_UNIQUE,
)
from hub.tickets import places
from hub.tickets.facts import FACTS_VERSION, first_responder, ticket_facts

DEFAULT_DATABASE = "sos_hub"
# A missing seq younger than this is taken for a commit still in flight, older for a lost one.
GAP_GRACE_SECONDS = 5.0

_OPS = {"gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte", "ne": "$ne"}
_PROTECTED = ("_id", "id", "tenant_id")
_NO_ID = {"_id": 0, FACTS: 0}  # the statistics facts stay inside the store
_PARTIAL = "partialFilterExpression"
_JOINED = "_hub_tenant"  # lookup_with_tenant's joined business (never a stored field)

IndexSpec = tuple[list[tuple[str, int]], dict[str, Any]]
DEFAULT_TIMEOUT = 3.0
# ConnectionFailure covers AutoReconnect, NetworkTimeout and ServerSelectionTimeoutError.
_UNAVAILABLE = (ConnectionFailure, ExecutionTimeout, WriteConcernError)


def _unavailable(exc: PyMongoError) -> bool:
    return isinstance(exc, _UNAVAILABLE) or bool(getattr(exc, "timeout", False))


def _mapped(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """The method bounded by the store's timeout, with "cannot answer" raised as StoreUnavailable.

    `open` is not bounded: building indexes on a large collection may take a while at start-up.
    """
    bounded = method.__name__ != "open"

    @functools.wraps(method)
    async def call(self: MongoStore, *args: Any, **kwargs: Any) -> Any:
        limit = self.timeout if bounded else None
        try:
            if limit is None:
                return await method(self, *args, **kwargs)
            # pymongo's own deadline (motor carries it into its threads) ends the operation on
            # the server side too; asyncio's frees the request should a thread not come back.
            with pymongo.timeout(limit):
                async with asyncio.timeout(limit + 1):
                    return await method(self, *args, **kwargs)
        except TimeoutError:
            raise StoreUnavailable() from None
        except PyMongoError as exc:
            if _unavailable(exc):
                raise StoreUnavailable() from exc
            raise

    return call


def _map_errors(cls: type[MongoStore]) -> type[MongoStore]:
    """Wrap every public coroutine method of the adapter with `_mapped`."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _mapped(member))
    return cls


def _field(name: str) -> str:
    if not isinstance(name, str) or not all(
        part.replace("_", "").isalnum() for part in name.split(".")
    ):
        raise StoreError(f"bad field name {name!r}")
    return name


def _contains(text: Any) -> Doc:
    return {"$regex": re.escape(str(text)), "$options": "i"}


def _condition(cond: Any) -> Doc:
    if not isinstance(cond, Mapping):
        return {"$eq": cond}  # None matches missing or null, like SQLite's IS NULL
    if len(cond) != 1:
        raise StoreError(f"one operator per field, got {list(cond)!r}")
    ((op, value),) = cond.items()
    if op == "in":
        return {"$in": list(value)}
    if op == "contains":
        return _contains(value)
    if op in _OPS:
        return {_OPS[op]: value}
    raise StoreError(f"unknown operator {op!r}")


def _filter(tenant_id: str, where: Where | None) -> Doc:
    clauses: list[Doc] = [{"tenant_id": {"$eq": tenant_id}}]
    for key, cond in (where or {}).items():
        if key == "$search":
            fields, text = cond
            ors = [{_field(f): _contains(text)} for f in fields]
            clauses.append({"$or": ors} if ors else {"_id": {"$in": []}})
        else:
            clauses.append({_field(key): _condition(cond)})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _index_specs(collection: str) -> list[IndexSpec]:
    specs: list[IndexSpec] = [([("tenant_id", 1)], {"name": "ix_tenant"})]
    for fields in INDEXES.get(collection, ()):
        keys = [("tenant_id", 1), *((f, 1) for f in fields)]
        specs.append((keys, {"name": "ix_" + "_".join(fields)}))
    for f in GLOBAL_UNIQUE.get(collection, ()):
        # Public keys are non-empty strings; null/missing ones (users.token_hash) stay out.
        only: Doc = {f: {"$gt": ""}}
        specs.append(([(f, 1)], {"name": f"ux_{f}", "unique": True, _PARTIAL: only}))
    for f in TENANT_UNIQUE.get(collection, ()):
        only = {f: {"$exists": True}}  # a missing value is not a duplicate (an explicit null is)
        keys = [("tenant_id", 1), (f, 1)]
        specs.append((keys, {"name": f"tx_{f}", "unique": True, _PARTIAL: only}))
    for f in GLOBAL_KEYS.get(collection, ()):
        specs.append(([(f, 1)], {"name": f"gx_{f}"}))
    specs.extend(mongo_stats.INDEXES.get(collection, ()))
    return specs


@_map_errors
class MongoStore:
    """The Store port on a MongoDB database (motor, or a motor-compatible mock client)."""

    kind = "mongodb"

    def __init__(
        self,
        client: AsyncIOMotorClient[Doc],
        database: str = DEFAULT_DATABASE,
        *,
        owns_client: bool = False,
        timeout: float | None = None,
    ) -> None:
        self.client = client
        self.timeout = timeout  # seconds per call (None: unbounded, e.g. an in-memory mock)
        self.database = database
        self._db = client.get_database(database)
        self._meta = self._db.get_collection("meta")
        self._counters = self._db.get_collection("counters")
        self._owns_client = owns_client

    @classmethod
    def from_url(cls, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> MongoStore:
        """A store on the database the URL's path names (default "sos_hub"); not yet opened.

        `timeout` (seconds) bounds finding a server and each call but `open` (see _mapped).
        """
        ms = max(1, int(timeout * 1000))
        client: AsyncIOMotorClient[Doc] = AsyncIOMotorClient(
            url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms
        )
        name = client.get_default_database(DEFAULT_DATABASE).name
        return cls(client, name, owns_client=True, timeout=timeout)

    def _coll(self, collection: str) -> AsyncIOMotorCollection[Doc]:
        if collection not in COLLECTIONS:
            raise StoreError(f"unknown collection {collection!r}")
        return self._db.get_collection(collection)

    async def open(self) -> None:
        """Create the missing indexes and record the schema version."""
        for name in COLLECTIONS:
            coll = self._coll(name)
            existing = set(await coll.index_information())
            for f in RETIRED_UNIQUE.get(name, ()):  # an older database's: unique no longer
                if f"ux_{f}" in existing:
                    await coll.drop_index(f"ux_{f}")
            for keys, options in _index_specs(name):
                if options["name"] in existing:
                    continue  # mongomock re-checks uniqueness ignoring the partial filter
                try:
                    await coll.create_index(keys, **options)
                except DuplicateKeyError as exc:
                    raise StoreError(f"{name}: existing data breaks {options['name']}") from exc
        await self._meta.update_one(
            {"_id": "schema_version"}, {"$max": {"value": SCHEMA_VERSION}}, upsert=True
        )
        await self._backfill()
        await self._settle_places()

    async def _settle_places(self) -> None:
        """Tickets stored without an establishment get their point's, once per version
        (hub/tickets/places.py): statistics and filters count the stored field."""
        done = await self._meta.find_one({"_id": "places_version"})
        if done and int(done["value"]) >= places.PLACES_VERSION:
            return
        await places.settle_all(self)
        await self._meta.update_one(
            {"_id": "places_version"}, {"$max": {"value": places.PLACES_VERSION}}, upsert=True
        )

    async def _backfill(self) -> None:
        """Give tickets written before FACTS_VERSION their facts (once per version)."""
        done = await self._meta.find_one({"_id": "facts_version"})
        if done and int(done["value"]) >= FACTS_VERSION:
            return
        stale = {"$or": [{FACTS: {"$exists": False}}, {f"{FACTS}.v": {"$lt": FACTS_VERSION}}]}
        async for doc in self._coll("tickets").find(stale, {"_id": 0}):
            await self._restamp(doc)
        await self._meta.update_one(
            {"_id": "facts_version"}, {"$max": {"value": FACTS_VERSION}}, upsert=True
        )

    async def _timezone(self, tenant_id: str) -> Any:
        tenant = await self._coll("tenants").find_one({"_id": {"$eq": tenant_id}}, {"timezone": 1})
        return (tenant or {}).get("timezone")

    async def _restamp(self, doc: Doc, timezone: Any = ...) -> None:
        """Recompute one stored ticket's facts (an old ticket answered before tickets named
        their first responder gets it from its thread)."""
        tenant_id = str(doc["tenant_id"])
        sets: Doc = {}
        if doc.get("first_response_at") and not doc.get("first_responder"):
            replies = self._coll("entries").find(
                {
                    "tenant_id": {"$eq": tenant_id},
                    "ticket_id": {"$eq": doc["id"]},
                    "kind": {"$eq": "message"},
                    "author": {"$eq": "staff"},
                    "warning": {"$in": [None, False]},
                },
                _NO_ID,
            )
            first = await replies.sort([("created_at", 1)]).limit(1).to_list(None)
            if first:
                sets["first_responder"] = doc["first_responder"] = first_responder(first[0])
        zone = await self._timezone(tenant_id) if timezone is ... else timezone
        sets[FACTS] = ticket_facts(doc, zone)
        await self._coll("tickets").update_one({"_id": doc["id"]}, {"$set": sets})

    async def _after_write(self, tenant_id: str, collection: str, doc: Doc | None) -> None:
        """Keep a ticket's facts after a change; a business's new time zone moves its
        tickets' local buckets."""
        if doc is None:
            return
        if collection == "tickets":
            facts = ticket_facts(doc, await self._timezone(tenant_id))
            await self._coll("tickets").update_one({"_id": doc["id"]}, {"$set": {FACTS: facts}})
        elif collection == "tenants" and doc.get("id") == tenant_id:
            zone = str(doc.get("timezone") or "UTC")
            stale = {"tenant_id": {"$eq": tenant_id}, f"{FACTS}.tz": {"$ne": zone}}
            async for ticket in self._coll("tickets").find(stale, {"_id": 0}):
                await self._restamp(ticket, zone)

    async def close(self) -> None:
        """Close the client if this store created it."""
        if self._owns_client:
            self.client.close()

    async def schema_version(self) -> int:
        """The schema version recorded in the database (0 before the first open)."""
        doc = await self._meta.find_one({"_id": "schema_version"})
        return int(doc["value"]) if doc else 0

    async def insert(self, tenant_id: str, collection: str, doc: Doc) -> Doc:
        """Insert one document; Conflict when its id or a unique value is taken."""
        coll = self._coll(collection)
        doc = {**doc, "tenant_id": tenant_id}
        stored = {**doc, "_id": doc["id"]}
        if collection == "tickets":
            stored[FACTS] = ticket_facts(doc, await self._timezone(tenant_id))
        try:
            await coll.insert_one(stored)
        except DuplicateKeyError as exc:
            raise Conflict(f"{collection}: {exc}") from exc
        return doc

    async def get(self, tenant_id: str, collection: str, id: str) -> Doc | None:
        """One document of this tenant, or None (also for another tenant's id)."""
        query = {"_id": {"$eq": id}, "tenant_id": {"$eq": tenant_id}}
        return await self._coll(collection).find_one(query, _NO_ID)

    async def find(
        self,
        tenant_id: str,
        collection: str,
        where: Where | None = None,
        *,
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Doc]:
        """Documents of this tenant matching `where`, optionally sorted and limited."""
        cursor = self._coll(collection).find(_filter(tenant_id, where), _NO_ID)
        if sort:
            cursor = cursor.sort([(_field(sort), -1 if descending else 1), ("_id", 1)])
        if limit is not None:
            if int(limit) == 0:
                return []  # Mongo reads limit 0 as "no limit"; SQLite as none
            if int(limit) > 0:
                cursor = cursor.limit(int(limit))
        return await cursor.to_list(None)

    async def count(self, tenant_id: str, collection: str, where: Where | None = None) -> int:
        """How many documents of this tenant match."""
        return await self._coll(collection).count_documents(_filter(tenant_id, where))

    async def count_by(
        self, tenant_id: str, collection: str, field: str, where: Where | None = None
    ) -> dict[Any, int]:
        """How many documents of this tenant match, per value of `field` (set ones only)."""
        name = _field(field)
        match = {"$and": [_filter(tenant_id, where), {name: {"$ne": None}}]}
        pipeline: list[Doc] = [
            {"$match": match},
            {"$group": {"_id": f"${name}", "n": {"$sum": 1}}},
        ]
        rows = await self._coll(collection).aggregate(pipeline).to_list(None)
        return {row["_id"]: int(row["n"]) for row in rows}

    async def update(self, tenant_id: str, collection: str, id: str, changes: Doc) -> Doc | None:
        """Set fields of one document; None when this tenant has no such document."""
        coll = self._coll(collection)
        values = {k: v for k, v in changes.items() if k not in _PROTECTED}
        for key in values:
            if "." in key or key.startswith("$"):
                raise StoreError(f"cannot set {key!r}: set whole top-level values")
        if not values:
            return await self.get(tenant_id, collection, id)
        try:
            after = await coll.find_one_and_update(
                {"_id": {"$eq": id}, "tenant_id": {"$eq": tenant_id}},
                {"$set": values},
                projection=_NO_ID,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise Conflict(f"{collection}: {exc}") from exc
        await self._after_write(tenant_id, collection, after)
        return after

    async def update_if(
        self, tenant_id: str, collection: str, id: str, expected: Where, changes: Doc
    ) -> Doc | None:
        """Set fields only while `expected` still holds (compare-and-set); None otherwise."""
        query: Doc = {"_id": {"$eq": id}, "tenant_id": {"$eq": tenant_id}}
        for key, value in expected.items():
            if "." in key or key in _PROTECTED:
                raise StoreError(f"bad field name {key!r}: compare top-level fields only")
            query[_field(key)] = {"$eq": value}  # None matches missing or null, as in SQLite
        values = {k: v for k, v in changes.items() if k not in _PROTECTED}
        for key in values:
            if "." in key or key.startswith("$"):
                raise StoreError(f"cannot set {key!r}: set whole top-level values")
        if not values:
            return await self._coll(collection).find_one(query, _NO_ID)
        try:
            # The document as it was, then the $set applied here: mongomock's AFTER re-reads
            # with the filter, which a claim has just made false.
            before = await self._coll(collection).find_one_and_update(
                query, {"$set": values}, projection=_NO_ID, return_document=ReturnDocument.BEFORE
            )
        except DuplicateKeyError as exc:
            raise Conflict(f"{collection}: {exc}") from exc
        after = None if before is None else {**before, **values}
        await self._after_write(tenant_id, collection, after)
        return after

    async def increment(
        self,
        tenant_id: str,
        collection: str,
        id: str,
        field: str,
        by: int = 1,
        *,
        fields: Doc | None = None,
    ) -> None:
        """Add `by` to a top-level number field, creating the document when absent (`$inc`
        with upsert: atomic on the server); Conflict when the id is another tenant's."""
        coll = self._coll(collection)
        if "." in _field(field) or field in _PROTECTED:
            raise StoreError(f"bad field name {field!r}: increment top-level fields only")
        if not isinstance(id, str) or not isinstance(tenant_id, str):
            raise StoreError("id and tenant must be text")
        created = {k: v for k, v in (fields or {}).items() if k not in (*_PROTECTED, field)}
        for key in created:
            if "." in key or key.startswith("$"):
                raise StoreError(f"cannot set {key!r}: set whole top-level values")
        # Plain equality (both are checked text): an upsert copies equality fields into the
        # new document, which is how it gets its _id.
        query = {"_id": id, "tenant_id": tenant_id}
        change = {"$inc": {field: int(by)}, "$setOnInsert": {**created, "id": id}}
        for attempt in range(2):
            try:
                await coll.update_one(query, change, upsert=True)
                return
            except DuplicateKeyError as exc:
                # Two first upserts raced (the loser's retry finds the document), or the id
                # is another tenant's (the retry fails the same way).
                if attempt:
                    raise Conflict(f"{collection}: {exc}") from exc

    async def delete(self, tenant_id: str, collection: str, id: str) -> bool:
        """Remove one document of this tenant."""
        query = {"_id": {"$eq": id}, "tenant_id": {"$eq": tenant_id}}
        result = await self._coll(collection).delete_one(query)
        return result.deleted_count > 0

    async def next_value(self, tenant_id: str, counter: str) -> int:
        """The tenant's next value of a named counter, from 1, atomic across processes."""
        query = {"_id": f"{tenant_id}:{counter}", "tenant_id": tenant_id, "name": counter}
        for attempt in range(2):
            try:
                doc = await self._counters.find_one_and_update(
                    query,
                    {"$inc": {"value": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:  # two first upserts raced; the loser retries once
                if attempt:
                    raise
                continue
            assert doc is not None
            return int(doc["value"])
        raise StoreError("unreachable")

    async def commit(
        self, tenant_id: str, changes: Sequence[Change], events: Sequence[EventDraft]
    ) -> list[Event]:
        """Apply the changes in order, then store their events (no transaction: see above)."""
        inserted: set[tuple[str, str]] = set()
        for change in changes:  # refuse a missing Update target before writing anything
            if isinstance(change, Insert):
                inserted.add((change.collection, str(change.doc.get("id"))))
            elif (change.collection, change.id) not in inserted and await self.get(
                tenant_id, change.collection, change.id
            ) is None:
                raise StoreError(f"{change.collection} {change.id} not found")
        for change in changes:
            if isinstance(change, Insert):
                await self.insert(tenant_id, change.collection, change.doc)
            elif change.expected is not None:  # left out once `expected` no longer holds
                await self.update_if(
                    tenant_id, change.collection, change.id, change.expected, change.set
                )
            elif await self.update(tenant_id, change.collection, change.id, change.set) is None:
                raise StoreError(f"{change.collection} {change.id} not found")
        stored: list[Event] = []
        for draft in events:
            seq = await self.next_value(tenant_id, "event_seq")
            event = Event(
                tenant_id, seq, draft.name, draft.ticket_id, draft.staff, draft.customer, now_iso()
            )
            await self.insert(tenant_id, "events", event.to_doc())
            stored.append(event)
        return stored

    async def events_after(self, tenant_id: str, seq: int, limit: int = 500) -> list[Event]:
        """Stored events with a seq above `seq`, oldest first, up to a fresh gap in seq."""
        docs = await self.find(tenant_id, "events", {"seq": {"gt": seq}}, sort="seq", limit=limit)
        horizon = (datetime.now(UTC) - timedelta(seconds=GAP_GRACE_SECONDS)).isoformat(
            timespec="milliseconds"
        )
        events: list[Event] = []
        expected = seq + 1
        for doc in docs:
            event = Event.from_doc(doc)
            if event.seq != expected and event.created_at > horizon:
                break  # an earlier seq is still being committed: replay it first, next time
            events.append(event)
            expected = event.seq + 1
        return events

    async def latest_seq(self, tenant_id: str) -> int:
        """The tenant's highest event seq so far (0 when none)."""
        doc = await self._counters.find_one({"_id": f"{tenant_id}:event_seq"})
        return int(doc["value"]) if doc else 0

    async def lookup(self, collection: str, field: str, value: str) -> Doc | None:
        """Find the one document holding a globally unique public key."""
        if field not in GLOBAL_UNIQUE.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a lookup field")
        return await self._coll(collection).find_one({field: {"$eq": str(value)}}, _NO_ID)

    async def lookup_all(
        self, collection: str, field: str, value: str, limit: int = LOOKUP_ALL_LIMIT
    ) -> list[Doc]:
        """Every document, in any tenant, holding this key (unique only per tenant), in the
        order stored: the accounts one staff e-mail has, one per business."""
        if field not in GLOBAL_KEYS.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a cross-tenant key")
        if limit <= 0:
            return []
        cursor = self._coll(collection).find({field: {"$eq": str(value)}}, _NO_ID)
        return await cursor.limit(limit).to_list(None)

    async def lookup_with_tenant(
        self, collection: str, field: str, value: str
    ) -> tuple[Doc | None, Doc | None]:
        """`lookup` and the found document's business (None when it has none), in one
        aggregation (`$lookup`): one round-trip instead of two."""
        if field not in GLOBAL_UNIQUE.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a lookup field")
        pipeline: list[Doc] = [
            {"$match": {field: {"$eq": str(value)}}},
            {"$limit": 1},
            {
                "$lookup": {
                    "from": "tenants",
                    "localField": "tenant_id",
                    "foreignField": "_id",
                    "as": _JOINED,
                }
            },
        ]
        found = await self._coll(collection).aggregate(pipeline).to_list(None)
        if not found:
            return None, None
        doc = {k: v for k, v in found[0].items() if k not in (*_NO_ID, _JOINED)}
        tenants = [
            {k: v for k, v in t.items() if k not in _NO_ID}
            for t in found[0].get(_JOINED) or []
            if t.get("tenant_id") == doc.get("tenant_id")
        ]
        return doc, (tenants[0] if tenants else None)

    async def read_many(self, tenant_id: str, reads: Sequence[Read]) -> list[Any]:
        """Several reads of this tenant sent together (one round-trip of waiting); each
        answer as `get` (a document or None) or `find` (a list) gives it."""
        for read in reads:
            if not isinstance(read, (Get, Find)):
                raise StoreError(f"not a read: {read!r}")
            self._coll(read.collection)  # an unknown one is refused before anything is sent
        calls: list[Awaitable[Any]] = []
        for read in reads:
            if isinstance(read, Get):
                calls.append(self.get(tenant_id, read.collection, read.id))
            elif isinstance(read, Find):
                calls.append(
                    self.find(
                        tenant_id,
                        read.collection,
                        read.where,
                        sort=read.sort,
                        descending=read.descending,
                        limit=read.limit,
                    )
                )
        return list(await asyncio.gather(*calls))

    async def ticket_figures(self, query: StatsQuery) -> TicketFigures:
        """Statistics of a period, grouped by pipelines (hub/store/mongo_stats.py)."""
        return await mongo_stats.ticket_figures(self._coll("tickets"), query)

    async def reply_figures(self, tenant_id: str, start: str, end: str) -> list[AgentReplies]:
        """Staff replies per agent in [start, end), with their etiquette steps."""
        return await mongo_stats.reply_figures(self._coll("entries"), tenant_id, start, end)

    async def tenant_ids(self) -> list[str]:
        """Every tenant's id (system sweeps then query each tenant)."""
        docs = await self._coll("tenants").find({}, {"_id": 1}).sort("_id", 1).to_list(None)
        return [str(d["_id"]) for d in docs]


__all__ = ["DEFAULT_DATABASE", "GAP_GRACE_SECONDS", "MongoStore"]
