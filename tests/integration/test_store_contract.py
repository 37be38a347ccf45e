"""The store contract: every Store adapter must pass every test here.

`store` runs each test on SQLite (a real file), on the Mongo adapter over mongomock-motor,
and, when MONGO_URL is set, on a real MongoDB server (a fresh database per test, dropped
afterwards). Tests that hold for one family only say so in their skip reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from mongomock_motor import AsyncMongoMockClient

from hub.ports import (
    Conflict,
    Doc,
    Event,
    EventDraft,
    Find,
    Get,
    Insert,
    Store,
    StoreError,
    Update,
)
from hub.store.mongo import MongoStore
from hub.store.schema import SCHEMA_VERSION
from hub.store.sqlite import SqliteStore

PROJECT_ROOT = Path(__file__).resolve().parents[2]
A = "tenant-a"
B = "tenant-b"

KINDS = ["sqlite", "mongomock"] + (["mongodb"] if os.environ.get("MONGO_URL") else [])


class ContractStore(Store, Protocol):
    async def schema_version(self) -> int: ...


class Backend:
    """Opens stores of one kind that all share one database (one file, one mock, one db)."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.path = tmp_path / "store" / "hub.db"
        self.db_name = f"sos_hub_test_{uuid.uuid4().hex[:16]}"
        self.mock_client: Any = AsyncMongoMockClient() if kind == "mongomock" else None
        self.stores: list[ContractStore] = []

    def make(self) -> ContractStore:
        if self.kind == "sqlite":
            return SqliteStore(self.path)
        if self.kind == "mongomock":
            return MongoStore(self.mock_client, self.db_name)
        from motor.motor_asyncio import AsyncIOMotorClient

        client: Any = AsyncIOMotorClient(os.environ["MONGO_URL"], serverSelectionTimeoutMS=5000)
        return MongoStore(client, self.db_name, owns_client=True)

    async def new_store(self) -> ContractStore:
        store = self.make()
        await store.open()
        self.stores.append(store)
        return store

    async def cleanup(self) -> None:
        for store in self.stores:
            await store.close()
        if self.kind == "mongodb":
            from motor.motor_asyncio import AsyncIOMotorClient

            client: Any = AsyncIOMotorClient(os.environ["MONGO_URL"])
            await client.drop_database(self.db_name)
            client.close()


@pytest.fixture(params=KINDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    backend = Backend(request.param, tmp_path)
    yield backend
    await backend.cleanup()


@pytest.fixture
async def store(backend: Backend) -> ContractStore:
    return await backend.new_store()


def only_sqlite(backend: Backend, why: str) -> None:
    if backend.kind != "sqlite":
        pytest.skip(why)


def only_mongo(backend: Backend, why: str) -> None:
    if backend.kind == "sqlite":
        pytest.skip(why)


def ticket(id: str, **fields: Any) -> Doc:
    return {"id": id, **fields}


async def ids(store: ContractStore, tenant: str, where: Any = None, **kw: Any) -> list[str]:
    return [d["id"] for d in await store.find(tenant, "tickets", where, **kw)]


async def seed_tickets(store: ContractStore) -> None:
    docs = [
        ticket(
            "t1",
            number=1,
            status="new",
            text="Water on the floor",
            lang="en",
            point={"code": "P-HALL"},
            created_at="2025-01-01T10:00:00.000+00:00",
        ),
        ticket(
            "t2",
            number=2,
            status="open",
            text="El CAFÉ está frío",
            lang="es",
            point={"code": "P-BAR"},
            created_at="2025-01-02T10:00:00.000+00:00",
            customer_name="Zoë",
        ),
        ticket(
            "t3",
            number=3,
            status="resolved",
            text="100% satisfied_maybe",
            lang=None,
            point={"code": "P-HALL"},
            created_at="2025-01-03T10:00:00.000+00:00",
        ),
        ticket(
            "t4",
            number=4,
            status="new",
            text="Nobody answers (.*)",
            created_at="2025-01-04T10:00:00.000+00:00",
        ),
    ]
    for doc in docs:
        await store.insert(A, "tickets", doc)


# --- round trips -------------------------------------------------------------------------


async def test_an_inserted_document_comes_back_with_its_tenant(store: ContractStore) -> None:
    returned = await store.insert(A, "tickets", ticket("t1", status="new", tags=["a", "b"]))
    expected = {"id": "t1", "tenant_id": A, "status": "new", "tags": ["a", "b"]}
    assert returned == expected
    assert await store.get(A, "tickets", "t1") == expected
    assert await store.find(A, "tickets") == [expected]


async def test_no_returned_document_exposes_an_internal_id(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com", "role": "staff"})
    docs = [
        await store.get(A, "users", "u1"),
        *(await store.find(A, "users")),
        await store.update(A, "users", "u1", {"role": "manager"}),
        *(await store.lookup_all("users", "email", "ana@example.com")),
    ]
    for doc in docs:
        assert doc is not None
        assert "_id" not in doc
        assert doc["id"] == "u1"


async def test_find_without_sort_keeps_insertion_order(store: ContractStore) -> None:
    for id in ["b", "c", "a"]:
        await store.insert(A, "tickets", ticket(id))
    assert await ids(store, A) == ["b", "c", "a"]


async def test_update_sets_whole_values_and_keeps_id_and_tenant(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new", meta={"x": 1, "y": 2}))
    updated = await store.update(
        A, "tickets", "t1", {"status": "open", "meta": {"x": 9}, "id": "evil", "tenant_id": B}
    )
    expected = {"id": "t1", "tenant_id": A, "status": "open", "meta": {"x": 9}}
    assert updated == expected
    assert await store.get(A, "tickets", "t1") == expected
    assert await store.get(B, "tickets", "t1") is None


async def test_an_update_of_a_missing_document_returns_none(store: ContractStore) -> None:
    assert await store.update(A, "tickets", "nope", {"status": "open"}) is None
    assert await store.count(A, "tickets") == 0


async def test_delete_removes_one_document_and_says_so(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1"))
    await store.insert(A, "tickets", ticket("t2"))
    assert await store.delete(A, "tickets", "t1") is True
    assert await store.delete(A, "tickets", "t1") is False
    assert await ids(store, A) == ["t2"]


async def test_an_unknown_collection_is_refused(store: ContractStore) -> None:
    with pytest.raises(StoreError):
        await store.insert(A, "secrets", {"id": "x"})
    with pytest.raises(StoreError):
        await store.find(A, "secrets")
    with pytest.raises(StoreError):
        await store.get(A, "counters", "x")


# --- tenant isolation --------------------------------------------------------------------


async def test_a_document_of_another_tenant_is_invisible(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    assert await store.get(B, "tickets", "t1") is None
    assert await store.find(B, "tickets") == []
    assert await store.find(B, "tickets", {"status": "new"}) == []
    assert await store.count(B, "tickets") == 0
    assert await store.events_after(B, 0) == []


async def test_another_tenant_can_neither_update_nor_delete_a_document(
    store: ContractStore,
) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    assert await store.update(B, "tickets", "t1", {"status": "closed"}) is None
    assert await store.delete(B, "tickets", "t1") is False
    assert await store.get(A, "tickets", "t1") == {"id": "t1", "tenant_id": A, "status": "new"}


async def test_a_where_on_tenant_id_cannot_widen_the_scope(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1"))
    assert await store.find(B, "tickets", {"tenant_id": A}) == []
    assert await store.count(B, "tickets", {"tenant_id": {"in": [A, B]}}) == 0


async def test_an_id_taken_by_another_tenant_conflicts_but_stays_hidden(
    store: ContractStore,
) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    with pytest.raises(Conflict):
        await store.insert(B, "tickets", ticket("t1", status="mine"))
    assert await store.get(A, "tickets", "t1") == {"id": "t1", "tenant_id": A, "status": "new"}


# --- where -------------------------------------------------------------------------------


async def test_equality_matches_exact_values(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"status": "new"}) == ["t1", "t4"]
    assert await ids(store, A, {"status": "New"}) == []
    assert await ids(store, A, {"number": 2}) == ["t2"]
    assert await ids(store, A, {"id": "t3"}) == ["t3"]


async def test_none_matches_missing_and_null_fields(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"lang": None}) == ["t3", "t4"]
    assert await ids(store, A, {"point.code": None}) == ["t4"]


async def test_in_matches_any_listed_value(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"status": {"in": ["open", "resolved", "gone"]}}) == ["t2", "t3"]
    assert await ids(store, A, {"status": {"in": []}}) == []
    assert await store.count(A, "tickets", {"number": {"in": [1, 4]}}) == 2


async def test_count_by_counts_per_value_of_a_field_in_one_tenant(
    store: ContractStore,
) -> None:
    await seed_tickets(store)
    await store.insert(B, "tickets", ticket("b1", status="new", point={"code": "P-HALL"}))
    assert await store.count_by(A, "tickets", "point.code") == {"P-HALL": 2, "P-BAR": 1}
    assert await store.count_by(A, "tickets", "lang", {"number": {"lte": 2}}) == {"en": 1, "es": 1}
    assert await store.count_by(A, "tickets", "status", {"status": "gone"}) == {}


async def test_range_operators_compare_numbers_and_iso_dates(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"number": {"gt": 2}}) == ["t3", "t4"]
    assert await ids(store, A, {"number": {"gte": 2}}) == ["t2", "t3", "t4"]
    assert await ids(store, A, {"number": {"lt": 2}}) == ["t1"]
    assert await ids(store, A, {"number": {"lte": 2}}) == ["t1", "t2"]
    since = {"created_at": {"gte": "2025-01-02T10:00:00.000+00:00"}}
    assert await ids(store, A, since) == ["t2", "t3", "t4"]
    before = {"created_at": {"lt": "2025-01-02"}}
    assert await ids(store, A, before) == ["t1"]


async def test_ne_excludes_only_the_given_value(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"status": {"ne": "new"}}) == ["t2", "t3"]
    # a missing or null field is "not equal" too
    assert await ids(store, A, {"lang": {"ne": "en"}}) == ["t2", "t3", "t4"]
    assert await ids(store, A, {"lang": {"ne": None}}) == ["t1", "t2"]


async def test_contains_is_a_case_insensitive_substring(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"text": {"contains": "FLOOR"}}) == ["t1"]
    assert await ids(store, A, {"text": {"contains": "café"}}) == ["t2"]
    assert await ids(store, A, {"text": {"contains": "ESTÁ FRÍO"}}) == ["t2"]
    assert await ids(store, A, {"customer_name": {"contains": "ZOË"}}) == ["t2"]
    assert await ids(store, A, {"text": {"contains": "nothing like it"}}) == []


async def test_contains_treats_pattern_characters_literally(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"text": {"contains": "100%"}}) == ["t3"]
    assert await ids(store, A, {"text": {"contains": "d_m"}}) == ["t3"]
    assert await ids(store, A, {"text": {"contains": "(.*)"}}) == ["t4"]
    assert await ids(store, A, {"text": {"contains": ".*"}}) == ["t4"]
    assert await ids(store, A, {"text": {"contains": "%"}}) == ["t3"]
    assert await ids(store, A, {"text": {"contains": "_"}}) == ["t3"]


async def test_search_looks_in_several_fields_case_insensitively(store: ContractStore) -> None:
    await seed_tickets(store)
    fields = ["text", "customer_name", "point.code"]
    assert await ids(store, A, {"$search": (fields, "zoë")}) == ["t2"]
    assert await ids(store, A, {"$search": (fields, "p-hall")}) == ["t1", "t3"]
    assert await ids(store, A, {"$search": (fields, "EL CAFÉ")}) == ["t2"]
    assert await ids(store, A, {"$search": (fields, "100%")}) == ["t3"]
    assert await ids(store, A, {"$search": (fields, "absent")}) == []
    both = {"$search": (fields, "hall"), "status": "resolved"}
    assert await ids(store, A, both) == ["t3"]


async def test_dotted_fields_reach_into_subdocuments(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, {"point.code": "P-HALL"}) == ["t1", "t3"]
    assert await ids(store, A, {"point.code": {"in": ["P-BAR"]}}) == ["t2"]
    assert await ids(store, A, {"point.code": {"ne": None}}, sort="point.code") == [
        "t2",
        "t1",
        "t3",
    ]


async def test_a_senders_recent_tickets_are_found_by_any_listed_spelling_of_a_phone(
    store: ContractStore,
) -> None:
    """The intake's read of one guest's earlier tickets (hub/moderation/guard.py): a phone
    stored E.164 or, before, as typed, in one read with the window, statuses and a limit."""
    phones = {"s1": "600 111 222", "s2": "+34600111222", "s3": "600-111-222", "s4": "600111223"}
    for n, (id_, phone) in enumerate(phones.items()):
        created = f"2025-01-0{n + 1}T10:00:00+00:00"
        doc = ticket(id_, status="new", contact={"phone": phone}, created_at=created)
        await store.insert(A, "tickets", doc)
    where = {
        "contact.phone": {"in": ["+34600111222", "600 111 222", "600-111-222", "600111222"]},
        "created_at": {"gte": "2025-01-02T00:00:00+00:00"},
        "status": {"in": ["new", "open"]},
    }
    [found] = await store.read_many(
        A, [Find("tickets", where, sort="created_at", descending=True, limit=10)]
    )
    assert [d["id"] for d in found] == ["s3", "s2"]


async def test_all_conditions_must_hold(store: ContractStore) -> None:
    await seed_tickets(store)
    where = {"status": "new", "number": {"gt": 1}, "text": {"contains": "answers"}}
    assert await ids(store, A, where) == ["t4"]
    assert await store.count(A, "tickets", {"status": "new", "lang": "es"}) == 0


async def test_bad_field_names_and_operators_are_refused(store: ContractStore) -> None:
    await seed_tickets(store)
    bad_wheres: list[Any] = [
        {"status": {"regex": ".*"}},
        {"status": {"gt": "a", "lt": "z"}},
        {"status; DROP TABLE tickets": "x"},
        {"a..b": 1},
        {"": 1},
    ]
    for where in bad_wheres:
        with pytest.raises(StoreError):
            await store.find(A, "tickets", where)
    with pytest.raises(StoreError):
        await store.find(A, "tickets", sort="created_at desc")
    assert await store.count(A, "tickets") == 4


# --- injection -----------------------------------------------------------------------------


async def test_an_operator_looking_where_value_is_refused_not_matched(
    store: ContractStore,
) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com", "password": "h"})
    hostile: list[Any] = [{"$gt": ""}, {"$ne": None}, {"$regex": ".*"}, {"$where": "1"}]
    for value in hostile:
        with pytest.raises(StoreError):
            await store.find(A, "users", {"email": value})
        with pytest.raises(StoreError):
            await store.count(A, "users", {"email": value})


async def test_an_operator_looking_value_inside_in_matches_nothing(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    try:
        found = await store.find(A, "users", {"email": {"in": [{"$gt": ""}]}})
    except Exception:  # SQLite cannot even bind a dict: refused is as good as unmatched
        found = []
    assert found == []


async def test_operator_looking_strings_are_plain_values(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    await store.insert(A, "users", {"id": "u2", "email": "$gt"})
    for value in ['{"$gt": ""}', "$ne", "$where", ".*"]:
        assert await store.find(A, "users", {"email": value}) == []
        assert await store.find(A, "users", {"email": {"in": [value]}}) == []
    assert [d["id"] for d in await store.find(A, "users", {"email": "$gt"})] == ["u2"]


async def test_operator_looking_field_names_are_refused(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    for field in ["$where", "$or", "$expr", "email.$gt", "$search.x"]:
        with pytest.raises(StoreError):
            await store.find(A, "users", {field: "x"})
    with pytest.raises(StoreError):
        await store.find(A, "users", {"$search": (["$where"], "x")})


async def test_lookup_treats_an_operator_looking_value_as_text(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    hostile: Any = {"$gt": ""}
    assert await store.lookup_all("users", "email", hostile) == []
    assert await store.lookup_all("users", "email", "$gt") == []


# --- sort and limit -----------------------------------------------------------------------


async def test_sort_ascending_and_descending_with_limit(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await ids(store, A, sort="created_at") == ["t1", "t2", "t3", "t4"]
    assert await ids(store, A, sort="created_at", descending=True) == ["t4", "t3", "t2", "t1"]
    assert await ids(store, A, sort="number", descending=True, limit=2) == ["t4", "t3"]
    assert await ids(store, A, {"status": "new"}, sort="number", limit=1) == ["t1"]
    assert await ids(store, A, sort="text", limit=10) == ["t3", "t2", "t4", "t1"]


async def test_a_limit_of_zero_returns_nothing(store: ContractStore) -> None:
    await seed_tickets(store)
    assert await store.find(A, "tickets", limit=0) == []


# --- unique values -------------------------------------------------------------------------


async def test_a_staff_email_is_unique_per_tenant_only(store: ContractStore) -> None:
    # One person may work for two businesses; a hub-wide key also told any admin (by a 409)
    # which addresses another business's staff use.
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    await store.insert(B, "users", {"id": "u2", "email": "ana@example.com"})
    with pytest.raises(Conflict):
        await store.insert(A, "users", {"id": "u3", "email": "ana@example.com"})
    await store.insert(A, "users", {"id": "u4", "email": "bea@example.com"})
    with pytest.raises(Conflict):
        await store.update(A, "users", "u4", {"email": "ana@example.com"})
    assert [d["id"] for d in await store.find(A, "users")] == ["u1", "u4"]
    found = await store.lookup_all("users", "email", "ana@example.com")
    assert sorted((d["tenant_id"], d["id"]) for d in found) == [(A, "u1"), (B, "u2")]
    assert await store.lookup_all("users", "email", "ana@example.com", limit=1) in (
        [found[0]],
        [found[1]],
    )
    assert await store.lookup_all("users", "email", "nobody@example.com") == []


async def test_lookup_all_refuses_fields_that_are_not_cross_tenant_keys(
    store: ContractStore,
) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com", "role": "admin"})
    for collection, field in [("users", "role"), ("users", "id"), ("points", "code")]:
        with pytest.raises(StoreError):
            await store.lookup_all(collection, field, "x")
    with pytest.raises(StoreError):
        await store.lookup("users", "email", "ana@example.com")


async def test_a_store_from_before_lets_one_email_into_two_tenants(backend: Backend) -> None:
    """An installation made when e-mails were unique hub-wide keeps its users and drops
    that rule on open (schema 4)."""
    old = await backend.new_store()
    await old.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    if isinstance(old, SqliteStore):
        await old.db.execute(
            "CREATE UNIQUE INDEX ux_users_email ON users(json_extract(doc, '$.email'))"
        )
    else:
        assert isinstance(old, MongoStore)
        await old._coll("users").create_index(
            [("email", 1)],
            name="ux_email",
            unique=True,
            partialFilterExpression={"email": {"$gt": ""}},
        )
    with pytest.raises(Conflict):  # the old rule, as an old installation has it
        await old.insert(B, "users", {"id": "u2", "email": "ana@example.com"})
    again = await backend.new_store()
    await again.insert(B, "users", {"id": "u2", "email": "ana@example.com"})
    with pytest.raises(Conflict):
        await again.insert(A, "users", {"id": "u3", "email": "ana@example.com"})
    assert len(await again.lookup_all("users", "email", "ana@example.com")) == 2
    assert await again.schema_version() == SCHEMA_VERSION


async def test_a_taken_point_code_conflicts_across_tenants(store: ContractStore) -> None:
    await store.insert(A, "points", {"id": "p1", "code": "QR-1"})
    with pytest.raises(Conflict):
        await store.insert(B, "points", {"id": "p2", "code": "QR-1"})
    with pytest.raises(Conflict):
        await store.insert(A, "points", {"id": "p3", "code": "QR-1"})
    await store.insert(B, "points", {"id": "p4", "code": "QR-2"})


async def test_ticket_numbers_are_unique_per_tenant_only(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("a1", number=1))
    await store.insert(B, "tickets", ticket("b1", number=1))
    with pytest.raises(Conflict):
        await store.insert(A, "tickets", ticket("a2", number=1))
    assert await ids(store, A) == ["a1"]


async def test_many_users_may_have_no_token_hash(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "a@x.org", "token_hash": None})
    await store.insert(A, "users", {"id": "u2", "email": "b@x.org", "token_hash": None})
    await store.insert(B, "users", {"id": "u3", "email": "c@x.org"})
    await store.insert(B, "users", {"id": "u4", "email": "d@x.org"})
    await store.insert(A, "users", {"id": "u5", "email": "e@x.org", "token_hash": "h1"})
    with pytest.raises(Conflict):
        await store.insert(B, "users", {"id": "u6", "email": "f@x.org", "token_hash": "h1"})


async def test_an_update_that_takes_a_unique_value_conflicts(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com"})
    await store.insert(A, "users", {"id": "u2", "email": "bea@example.com"})
    with pytest.raises(Conflict):
        await store.update(A, "users", "u2", {"email": "ana@example.com"})
    u2 = await store.get(A, "users", "u2")
    assert u2 is not None and u2["email"] == "bea@example.com"


# --- lookup --------------------------------------------------------------------------------


async def test_lookup_finds_a_public_key_across_tenants(store: ContractStore) -> None:
    await store.insert(A, "points", {"id": "p1", "code": "QR-A"})
    await store.insert(B, "points", {"id": "p2", "code": "QR-B"})
    await store.insert(B, "tickets", ticket("t1", thread_token="tok-123"))
    await store.insert(A, "tenants", {"id": A, "slug": "cafe-a"})
    found = await store.lookup("points", "code", "QR-B")
    assert found == {"id": "p2", "tenant_id": B, "code": "QR-B"}
    ticket_doc = await store.lookup("tickets", "thread_token", "tok-123")
    assert ticket_doc is not None and ticket_doc["tenant_id"] == B
    tenant_doc = await store.lookup("tenants", "slug", "cafe-a")
    assert tenant_doc is not None and tenant_doc["id"] == A
    assert await store.lookup("points", "code", "QR-C") is None


async def test_lookup_refuses_fields_that_are_not_lookup_fields(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com", "role": "admin"})
    with pytest.raises(StoreError):
        await store.lookup("users", "role", "admin")
    with pytest.raises(StoreError):
        await store.lookup("users", "id", "u1")
    with pytest.raises(StoreError):
        await store.lookup("entries", "ticket_id", "t1")
    with pytest.raises(StoreError):
        await store.lookup("secrets", "email", "ana@example.com")


async def test_lookup_with_tenant_finds_the_document_and_its_business(
    store: ContractStore,
) -> None:
    await store.insert(A, "tenants", {"id": A, "slug": "cafe-a", "name": "Café A"})
    await store.insert(B, "tenants", {"id": B, "slug": "bar-b", "name": "Bar B"})
    await store.insert(A, "points", {"id": "p1", "code": "QR-A"})
    await store.insert(B, "points", {"id": "p2", "code": "QR-B", "label": "Terrace"})
    point, tenant = await store.lookup_with_tenant("points", "code", "QR-B")
    assert point == {"id": "p2", "tenant_id": B, "code": "QR-B", "label": "Terrace"}
    assert tenant == {"id": B, "tenant_id": B, "slug": "bar-b", "name": "Bar B"}
    point, tenant = await store.lookup_with_tenant("points", "code", "QR-A")
    assert point is not None and point["id"] == "p1"
    assert tenant is not None and tenant["name"] == "Café A"
    # A business found by its own key is its own business.
    found, itself = await store.lookup_with_tenant("tenants", "slug", "cafe-a")
    assert found == itself == {"id": A, "tenant_id": A, "slug": "cafe-a", "name": "Café A"}
    assert await store.lookup_with_tenant("points", "code", "QR-C") == (None, None)


async def test_lookup_with_tenant_gives_no_business_when_it_is_gone(store: ContractStore) -> None:
    await store.insert(A, "points", {"id": "p1", "code": "QR-A"})
    # Another tenant's document with the orphan's tenant id as its own id is no business.
    await store.insert(B, "tenants", {"id": A, "slug": "impostor"})
    point, tenant = await store.lookup_with_tenant("points", "code", "QR-A")
    assert point == {"id": "p1", "tenant_id": A, "code": "QR-A"}
    assert tenant is None


async def test_lookup_with_tenant_refuses_what_lookup_refuses(store: ContractStore) -> None:
    await store.insert(A, "users", {"id": "u1", "email": "ana@example.com", "role": "admin"})
    with pytest.raises(StoreError):
        await store.lookup_with_tenant("users", "role", "admin")
    with pytest.raises(StoreError):
        await store.lookup_with_tenant("secrets", "email", "ana@example.com")
    hostile: Any = {"$gt": ""}
    assert await store.lookup_with_tenant("points", "code", hostile) == (None, None)


# --- several reads at once -----------------------------------------------------------------


async def test_read_many_answers_each_read_as_get_and_find_would(store: ContractStore) -> None:
    await seed_tickets(store)
    await store.insert(A, "configs", {"id": "filters:a", "repeats": True})
    await store.insert(A, "rules", {"id": "r1", "name": "All"})
    reads: list[Get | Find] = [
        Get("tickets", "t2"),
        Find("tickets", {"status": "new"}, sort="number", descending=True),
        Get("configs", "filters:a"),
        Get("tickets", "nope"),
        Find("rules"),
        Find("alerts", limit=5),
        Find("tickets", {"point.code": "P-HALL"}, sort="created_at", limit=1),
    ]
    got = await store.read_many(A, reads)
    assert got == [
        await store.get(A, "tickets", "t2"),
        await store.find(A, "tickets", {"status": "new"}, sort="number", descending=True),
        await store.get(A, "configs", "filters:a"),
        None,
        await store.find(A, "rules"),
        [],
        await store.find(A, "tickets", {"point.code": "P-HALL"}, sort="created_at", limit=1),
    ]
    assert [d["id"] for d in got[1]] == ["t4", "t1"]
    assert got[2] == {"id": "filters:a", "tenant_id": A, "repeats": True}
    assert [d["id"] for d in got[6]] == ["t1"]
    assert await store.read_many(A, []) == []


async def test_read_many_stays_inside_its_tenant(store: ContractStore) -> None:
    await seed_tickets(store)
    await store.insert(B, "rules", {"id": "r-b", "name": "B's"})
    got = await store.read_many(B, [Get("tickets", "t1"), Find("tickets"), Find("rules")])
    assert got == [None, [], [{"id": "r-b", "tenant_id": B, "name": "B's"}]]
    widened = await store.read_many(B, [Find("tickets", {"tenant_id": A})])
    assert widened == [[]]


async def test_read_many_refuses_unknown_collections_and_bad_fields(
    store: ContractStore,
) -> None:
    with pytest.raises(StoreError):
        await store.read_many(A, [Find("rules"), Get("secrets", "x")])
    with pytest.raises(StoreError):
        await store.read_many(A, [Find("tickets", {"$where": "1"})])
    with pytest.raises(StoreError):
        await store.read_many(A, [Find("tickets", {"status": {"regex": ".*"}})])


# --- counters ------------------------------------------------------------------------------


async def test_next_value_starts_at_one_per_tenant_and_counter(store: ContractStore) -> None:
    assert [await store.next_value(A, "ticket_number") for _ in range(3)] == [1, 2, 3]
    assert await store.next_value(B, "ticket_number") == 1
    assert await store.next_value(A, "other") == 1
    assert await store.next_value(A, "ticket_number") == 4


async def test_two_hundred_concurrent_next_values_have_no_gaps_or_duplicates(
    store: ContractStore,
) -> None:
    values = await asyncio.gather(*(store.next_value(A, "n") for _ in range(200)))
    assert sorted(values) == list(range(1, 201))
    assert await store.next_value(A, "n") == 201


async def test_two_stores_on_one_database_share_counters_without_gaps(
    backend: Backend,
) -> None:
    # For SQLite these are two connections on one file: what two hub processes do.
    first, second = await backend.new_store(), await backend.new_store()
    stores = [first, second] * 100
    values = await asyncio.gather(*(s.next_value(A, "n") for s in stores))
    assert sorted(values) == list(range(1, 201))
    drafts = [EventDraft("ticket.updated", None, {})]
    results = await asyncio.gather(*(s.commit(A, [], drafts) for s in stores[:60]))
    seqs = sorted(e.seq for r in results for e in r)
    assert seqs == list(range(1, 61))
    for s in (first, second):
        assert await s.latest_seq(A) == 60
        assert [e.seq for e in await s.events_after(A, 0)] == list(range(1, 61))


async def test_two_processes_on_one_sqlite_file_share_counters_without_gaps(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.db"
    store = SqliteStore(path)
    await store.open()
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        from hub.store.sqlite import SqliteStore

        async def main():
            store = SqliteStore({str(path)!r})
            await store.open()
            print("ready", flush=True)
            sys.stdin.readline()
            values = []
            for _ in range(150):
                values.append(await store.next_value("{A}", "n"))
                await asyncio.sleep(0.002)
            await store.close()
            print(" ".join(map(str, values)))

        asyncio.run(main())
        """
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        script,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    mine: list[int] = []
    try:
        assert child.stdin is not None and child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"ready\n"
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        for _ in range(150):  # small pauses let both processes' writes interleave
            mine.append(await store.next_value(A, "n"))
            await asyncio.sleep(0.002)
        out, _ = await asyncio.wait_for(child.communicate(), 60)
    finally:
        await store.close()
        if child.returncode is None:
            child.kill()
            await child.wait()
    assert child.returncode == 0
    theirs = [int(v) for v in out.split()]
    assert sorted(mine + theirs) == list(range(1, 301))
    assert mine != list(range(1, 151)) and mine != list(range(151, 301))  # they did interleave


# --- commit and events ---------------------------------------------------------------------


async def test_commit_applies_changes_and_numbers_events(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    stored = await store.commit(
        A,
        [
            Insert("entries", {"id": "e1", "ticket_id": "t1", "text": "hi"}),
            Update("tickets", "t1", {"status": "open"}),
        ],
        [
            EventDraft("ticket.message", "t1", {"text": "hi"}, {"text": "hi"}),
            EventDraft("ticket.updated", "t1", {"status": "open"}),
        ],
    )
    assert [(e.seq, e.name, e.tenant_id) for e in stored] == [
        (1, "ticket.message", A),
        (2, "ticket.updated", A),
    ]
    assert all(e.created_at for e in stored)
    assert (await store.get(A, "tickets", "t1") or {})["status"] == "open"
    assert await store.get(A, "entries", "e1") is not None
    assert await store.events_after(A, 0) == stored
    assert await store.latest_seq(A) == 2
    assert await store.latest_seq(B) == 0
    events = await store.find(A, "events", {"ticket_id": "t1"}, sort="seq")
    assert [d["seq"] for d in events] == [1, 2]


async def test_event_seqs_are_counted_per_tenant(store: ContractStore) -> None:
    draft = [EventDraft("ticket.created", None, {})]
    assert [e.seq for e in await store.commit(A, [], draft)] == [1]
    assert [e.seq for e in await store.commit(A, [], draft)] == [2]
    assert [e.seq for e in await store.commit(B, [], draft)] == [1]
    assert [e.seq for e in await store.events_after(B, 0)] == [1]


async def test_concurrent_commits_get_strictly_increasing_seqs(store: ContractStore) -> None:
    n = 100

    async def one(i: int) -> list[Event]:
        doc = ticket(f"t{i}", number=i)
        return await store.commit(
            A, [Insert("tickets", doc)], [EventDraft("ticket.created", f"t{i}", {"i": i})]
        )

    results = await asyncio.gather(*(one(i) for i in range(n)))
    assert sorted(r[0].seq for r in results) == list(range(1, n + 1))
    replay = await store.events_after(A, 0)
    assert [e.seq for e in replay] == list(range(1, n + 1))
    by_ticket = {r[0].ticket_id: r[0].seq for r in results}
    assert {e.ticket_id: e.seq for e in replay} == by_ticket
    assert await store.latest_seq(A) == n
    assert await store.count(A, "tickets") == n


async def test_events_after_returns_later_events_in_order_and_honours_limit(
    store: ContractStore,
) -> None:
    for i in range(10):
        await store.commit(A, [], [EventDraft("ticket.note", None, {"i": i})])
    assert [e.seq for e in await store.events_after(A, 7)] == [8, 9, 10]
    assert [e.seq for e in await store.events_after(A, 2, limit=3)] == [3, 4, 5]
    assert await store.events_after(A, 10) == []
    assert [e.staff for e in await store.events_after(A, 8)] == [{"i": 8}, {"i": 9}]


async def test_events_after_passes_a_gap_left_long_ago(store: ContractStore) -> None:
    await store.next_value(A, "event_seq")  # seq 1 taken by a writer that then died
    old = Event(A, 2, "ticket.note", None, {}, None, "2000-01-01T00:00:00.000+00:00")
    await store.insert(A, "events", old.to_doc())
    await store.next_value(A, "event_seq")
    assert [e.seq for e in await store.events_after(A, 0)] == [2]


async def test_events_after_waits_at_a_fresh_gap_in_seq(backend: Backend) -> None:
    only_mongo(backend, "SQLite takes a seq and stores its event in one transaction: no gap")
    store = await backend.new_store()
    await store.next_value(A, "event_seq")  # seq 1: a commit still in flight elsewhere
    [second] = await store.commit(A, [], [EventDraft("ticket.note", None, {})])
    assert second.seq == 2
    assert await store.events_after(A, 0) == []
    assert await store.events_after(A, 1) == [second]
    first = Event(A, 1, "ticket.note", None, {}, None, second.created_at)
    await store.insert(A, "events", first.to_doc())
    assert [e.seq for e in await store.events_after(A, 0)] == [1, 2]


async def test_a_commit_updating_a_missing_document_raises_and_changes_nothing(
    store: ContractStore,
) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    with pytest.raises(StoreError):
        await store.commit(
            A,
            [
                Insert("entries", {"id": "e1", "ticket_id": "t1"}),
                Update("tickets", "t1", {"status": "open"}),
                Update("tickets", "missing", {"status": "open"}),
            ],
            [EventDraft("ticket.updated", "t1", {})],
        )
    assert await store.get(A, "entries", "e1") is None
    assert (await store.get(A, "tickets", "t1") or {})["status"] == "new"
    assert await store.events_after(A, 0) == []
    assert await store.latest_seq(A) == 0


async def test_a_commit_cannot_update_another_tenants_document(store: ContractStore) -> None:
    await store.insert(A, "tickets", ticket("t1", status="new"))
    with pytest.raises(StoreError):
        await store.commit(B, [Update("tickets", "t1", {"status": "closed"})], [])
    assert (await store.get(A, "tickets", "t1") or {})["status"] == "new"


async def test_a_commit_may_update_a_document_it_inserts(store: ContractStore) -> None:
    await store.commit(
        A,
        [
            Insert("tickets", ticket("t1", status="new")),
            Update("tickets", "t1", {"status": "acknowledged"}),
        ],
        [EventDraft("ticket.created", "t1", {})],
    )
    assert (await store.get(A, "tickets", "t1") or {})["status"] == "acknowledged"


async def test_a_conflict_in_a_commit_rolls_everything_back(backend: Backend) -> None:
    only_sqlite(backend, "the Mongo adapter has no transaction: changes before a Conflict stay")
    store = await backend.new_store()
    await store.insert(A, "tickets", ticket("t1", number=1))
    with pytest.raises(Conflict):
        await store.commit(
            A,
            [
                Insert("entries", {"id": "e1", "ticket_id": "t1"}),
                Insert("tickets", ticket("t2", number=1)),
            ],
            [EventDraft("ticket.created", "t2", {})],
        )
    assert await store.get(A, "entries", "e1") is None
    assert await store.latest_seq(A) == 0


# --- schema and reopening ------------------------------------------------------------------


async def test_open_records_the_schema_version(store: ContractStore) -> None:
    assert await store.schema_version() == SCHEMA_VERSION


async def test_reopening_keeps_the_data_and_the_rules(backend: Backend) -> None:
    store = await backend.new_store()
    await store.insert(A, "users", {"id": "u1", "email": "a@x.org", "token_hash": None})
    await store.insert(A, "users", {"id": "u2", "email": "b@x.org", "token_hash": None})
    await store.insert(A, "tickets", ticket("t1", number=1))
    await store.commit(A, [], [EventDraft("ticket.created", "t1", {})])
    await store.close()

    again = await backend.new_store()
    assert await again.schema_version() == SCHEMA_VERSION
    assert [d["id"] for d in await again.find(A, "users", sort="id")] == ["u1", "u2"]
    assert await again.latest_seq(A) == 1
    assert await again.next_value(A, "event_seq") == 2
    with pytest.raises(Conflict):
        await again.insert(A, "tickets", ticket("t2", number=1))
    with pytest.raises(Conflict):
        await again.insert(A, "users", {"id": "u3", "email": "a@x.org"})
    await again.insert(B, "users", {"id": "u4", "email": "a@x.org"})  # another business's


async def test_a_sqlite_store_creates_missing_folders(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "deep" / "er" / "hub.db")
    await store.open()
    try:
        assert store.kind == "sqlite"
        assert await store.schema_version() == SCHEMA_VERSION
    finally:
        await store.close()


async def test_a_mongo_store_takes_its_database_from_the_url() -> None:
    named = MongoStore.from_url("mongodb://127.0.0.1:1/hub_prod?serverSelectionTimeoutMS=100")
    default = MongoStore.from_url("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100")
    try:
        assert named.kind == "mongodb"
        assert named.database == "hub_prod"
        assert default.database == "sos_hub"
    finally:
        await named.close()
        await default.close()


# --- compare-and-set and sweeps ------------------------------------------------------------


async def test_update_if_sets_only_while_the_expected_values_hold(store: ContractStore) -> None:
    await store.insert(A, "outbox", {"id": "o1", "status": "pending", "attempts": 0})
    claimed = await store.update_if(
        A, "outbox", "o1", {"status": "pending", "claimed_by": None}, {"claimed_by": "w1"}
    )
    assert claimed == {
        "id": "o1",
        "tenant_id": A,
        "status": "pending",
        "attempts": 0,
        "claimed_by": "w1",
    }
    again = await store.update_if(
        A, "outbox", "o1", {"status": "pending", "claimed_by": None}, {"claimed_by": "w2"}
    )
    assert again is None
    assert (await store.get(A, "outbox", "o1") or {})["claimed_by"] == "w1"
    assert await store.update_if(A, "outbox", "o1", {"attempts": 1}, {"status": "sent"}) is None
    done = await store.update_if(A, "outbox", "o1", {"claimed_by": "w1"}, {"status": "sent"})
    assert done is not None and done["status"] == "sent"


async def test_update_if_never_reaches_another_tenant_or_a_missing_document(
    store: ContractStore,
) -> None:
    await store.insert(A, "outbox", {"id": "o1", "status": "pending"})
    assert await store.update_if(B, "outbox", "o1", {"status": "pending"}, {"status": "x"}) is None
    assert await store.update_if(A, "outbox", "nope", {}, {"status": "x"}) is None
    assert (await store.get(A, "outbox", "o1") or {})["status"] == "pending"
    with pytest.raises(StoreError):
        await store.update_if(A, "outbox", "o1", {"a.b": 1}, {"status": "x"})


async def test_of_many_concurrent_claims_on_two_stores_exactly_one_wins(
    backend: Backend,
) -> None:
    first, second = await backend.new_store(), await backend.new_store()
    await first.insert(A, "outbox", {"id": "o1", "status": "pending", "claimed_by": None})
    stores = [first, second] * 20
    results = await asyncio.gather(
        *(
            s.update_if(A, "outbox", "o1", {"claimed_by": None}, {"claimed_by": f"w{i}"})
            for i, s in enumerate(stores)
        )
    )
    winners = [r["claimed_by"] for r in results if r is not None]
    assert len(winners) == 1
    assert (await second.get(A, "outbox", "o1") or {})["claimed_by"] == winners[0]


# --- counters on documents (scans) -------------------------------------------------------


async def test_increment_creates_the_document_then_adds_to_it(store: ContractStore) -> None:
    fields = {"point": "hall", "day": "2026-11-29"}
    await store.increment(A, "scans", "a:hall:2026-11-29", "count", fields=fields)
    assert await store.get(A, "scans", "a:hall:2026-11-29") == {
        "id": "a:hall:2026-11-29",
        "tenant_id": A,
        "point": "hall",
        "day": "2026-11-29",
        "count": 1,
    }
    await store.increment(A, "scans", "a:hall:2026-11-29", "count", 2, fields=fields)
    await store.increment(A, "scans", "a:hall:2026-11-29", "count", fields={"point": "other"})
    doc = await store.get(A, "scans", "a:hall:2026-11-29")
    assert doc is not None and doc["count"] == 4 and doc["point"] == "hall"  # fields: at birth
    assert [d["count"] for d in await store.find(A, "scans", {"day": "2026-11-29"})] == [4]


async def test_an_increment_never_reaches_another_tenants_document(store: ContractStore) -> None:
    await store.increment(A, "scans", "shared-id", "count", fields={"day": "2026-11-29"})
    with pytest.raises(Conflict):
        await store.increment(B, "scans", "shared-id", "count", fields={"day": "2026-11-29"})
    assert await store.get(B, "scans", "shared-id") is None
    assert (await store.get(A, "scans", "shared-id") or {})["count"] == 1
    with pytest.raises(StoreError):
        await store.increment(A, "scans", "x", "a.b")
    with pytest.raises(StoreError):
        await store.increment(A, "nope", "x", "count")


async def test_concurrent_increments_on_two_stores_sum_exactly(backend: Backend) -> None:
    # For SQLite two connections on one file: two hub processes counting the same poster.
    first, second = await backend.new_store(), await backend.new_store()
    stores = [first, second] * 100
    await asyncio.gather(
        *(s.increment(A, "scans", "hot", "count", fields={"day": "d"}) for s in stores)
    )
    await asyncio.gather(*(first.increment(A, "scans", f"c{i % 3}", "count") for i in range(30)))
    assert (await second.get(A, "scans", "hot") or {})["count"] == 200
    counts = {d["id"]: d["count"] for d in await second.find(A, "scans") if d["id"] != "hot"}
    assert counts == {"c0": 10, "c1": 10, "c2": 10}


async def test_tenant_ids_lists_every_tenant(store: ContractStore) -> None:
    assert await store.tenant_ids() == []
    await store.insert(A, "tenants", {"id": A, "slug": "a"})
    await store.insert(B, "tenants", {"id": B, "slug": "b"})
    await store.insert(A, "tickets", ticket("t1"))
    assert sorted(await store.tenant_ids()) == [A, B]


async def test_a_write_cancelled_mid_transaction_leaves_the_sqlite_store_usable(
    tmp_path: Path,
) -> None:
    """A client that hangs up cancels its request; the next writes must still work."""
    from hub.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "cancel.db")
    await store.open()
    try:
        for _ in range(30):
            doc_id = uuid.uuid4().hex
            doc = {"id": doc_id, "number": None}
            task = asyncio.ensure_future(store.insert("t1", "tickets", doc))
            await asyncio.sleep(0)  # let it reach BEGIN, then hang up
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        doc = await store.insert("t1", "tickets", {"id": "after", "number": 1})
        assert doc["id"] == "after"
        assert await store.get("t1", "tickets", "after") is not None
    finally:
        await store.close()


# --- kiosk submissions: one claim per Idempotency-Key (hub/accounts/kiosk_requests.py) ----


async def test_a_kiosk_request_key_is_unique_per_tenant(store: ContractStore) -> None:
    doc = {"id": "r1", "key": "kiosk-1:abc", "ticket_id": None}
    await store.insert(A, "kiosk_requests", doc)
    with pytest.raises(Conflict):  # another id, the same key: still one claim
        await store.insert(A, "kiosk_requests", {**doc, "id": "r2"})
    await store.insert(B, "kiosk_requests", {**doc, "id": "r3"})  # another business's own


async def test_racing_claims_of_one_kiosk_submission_have_one_winner(backend: Backend) -> None:
    from hub.accounts.kiosk_requests import KioskRequests

    # Two stores on one database: two hub instances receiving the same retry at once.
    requests = [KioskRequests(await backend.new_store()) for _ in range(2)]

    async def attempt(i: int) -> str:
        claim = await requests[i % 2].begin(A, "kiosk-1", "key-0001-abcd", "body-1")
        if claim.doc is None:
            return str(claim.ticket_id)
        await asyncio.sleep(0.05)  # the winner is making its ticket meanwhile
        await requests[i % 2].settle(A, claim.doc, "ticket-1")
        return "made"

    results = await asyncio.gather(*(attempt(i) for i in range(12)))
    assert sorted(results) == ["made"] + ["ticket-1"] * 11


async def test_a_kiosk_key_reused_for_another_body_never_finds_the_first_ticket(
    backend: Backend,
) -> None:
    """A claim keeps its body's fingerprint: the same key with another body is refused
    (422), settled or not, on every store and from another instance too."""
    from hub.accounts.kiosk_requests import KeyReused, KioskRequests, fingerprint, request_id

    first = fingerprint({"text": "Room 12 is flooding", "contact": {"email": "ana@example.com"}})
    other = fingerprint({"text": "Towels please", "contact": {"email": "bob@example.com"}})
    here, there = [KioskRequests(await backend.new_store(), wait=0.2) for _ in range(2)]
    claim = await here.begin(A, "kiosk-1", "key-0001-abcd", first)
    assert claim.doc is not None
    with pytest.raises(KeyReused):  # still being made: refused at once, not waited for
        await there.begin(A, "kiosk-1", "key-0001-abcd", other)
    await here.settle(A, claim.doc, "ticket-1")
    with pytest.raises(KeyReused) as refused:
        await there.begin(A, "kiosk-1", "key-0001-abcd", other)
    assert (refused.value.status, refused.value.code) == (422, "idempotency_key_reused")
    again = await there.begin(A, "kiosk-1", "key-0001-abcd", first)  # the true retry
    assert (again.doc, again.ticket_id) == (None, "ticket-1")
    # the same words in another order of keys are the same body
    assert fingerprint({"b": 1, "a": {"y": 2, "x": 3}}) == fingerprint(
        {"a": {"x": 3, "y": 2}, "b": 1}
    )
    # a claim from before fingerprints (unknown body) answers nobody's ticket
    legacy_id = request_id("kiosk-1", "legacy-key-01")
    legacy = {"id": legacy_id, "key": "kiosk-1:legacy-key-01", "ticket_id": "ticket-0"}
    await here.store.insert(A, "kiosk_requests", {**legacy, "claim_until": "", "created_at": ""})
    with pytest.raises(KeyReused):
        await here.begin(A, "kiosk-1", "legacy-key-01", first)


async def test_a_silent_kiosk_is_flagged_by_one_of_two_instances_and_back_once(
    backend: Backend,
) -> None:
    """The kiosk watch's compare-and-sets (hub/accounts/kiosk_watch.py) on every store."""
    import socketio

    from hub.accounts.kiosk_watch import KioskWatch
    from hub.clock import SteppedClock, iso

    clock = SteppedClock()
    told: list[tuple[str, str]] = []

    async def notify(kiosk: Doc, kind: str) -> None:
        told.append((kiosk["id"], kind))

    stores = [await backend.new_store() for _ in range(2)]
    await stores[0].insert(A, "tenants", {"id": A, "slug": "a", "name": "A"})
    kiosk = {"id": "k1", "name": "Hall", "point": "p", "active": True, "offline_minutes": 10}
    await stores[0].insert(A, "kiosks", {**kiosk, "last_seen_at": iso(clock())})
    watches = [KioskWatch(s, socketio.AsyncServer(), notify=notify, clock=clock) for s in stores]
    clock.advance(minutes=11)
    assert sorted(await asyncio.gather(*(w.check() for w in watches * 3))) == [0] * 5 + [1]
    await asyncio.gather(*(w.seen(A, "k1") for w in watches * 3))
    assert told == [("k1", "kiosk_offline"), ("k1", "kiosk_online")]
    back = await stores[1].get(A, "kiosks", "k1")
    assert back is not None and back["offline"] is False


async def test_a_kiosk_notice_is_claimed_by_one_of_two_instances_at_most_once_an_hour(
    backend: Backend,
) -> None:
    """The notices' throttle (hub/accounts/kiosk_watch.py, claim_notice) on every store."""
    from hub.accounts.kiosk_watch import OFFLINE, ONLINE, claim_notice
    from hub.clock import SteppedClock

    clock = SteppedClock()
    stores = [await backend.new_store() for _ in range(2)]
    kiosk = {"id": "k1", "tenant_id": A, "name": "Hall", "active": True}
    await stores[0].insert(A, "kiosks", kiosk)  # never told: no notice_at at all

    async def race(kind: str) -> list[bool]:
        docs = [await s.get(A, "kiosks", "k1") for s in stores * 3]
        return await asyncio.gather(
            *(
                claim_notice(s, d or {}, kind, clock())
                for s, d in zip(stores * 3, docs, strict=True)
            )
        )

    assert sorted(await race(OFFLINE)) == [False] * 5 + [True]
    clock.advance(minutes=59)
    assert await race(ONLINE) == [False] * 6  # within the hour: nobody tells
    clock.advance(minutes=2)
    assert sorted(await race(ONLINE)) == [False] * 5 + [True]
    told = await stores[1].get(A, "kiosks", "k1")
    assert told is not None and told["notice_kind"] == ONLINE


async def test_week_old_kiosk_claims_are_forgotten_and_fresh_ones_kept(
    store: ContractStore,
) -> None:
    from hub.accounts.kiosk_requests import KioskRequests

    requests = KioskRequests(store)
    fresh = await requests.begin(A, "kiosk-1", "fresh-key-0001", "body-1")
    assert fresh.doc is not None
    old = {"id": "old", "key": "kiosk-1:old-key-0001", "ticket_id": "t1"}
    await store.insert(A, "kiosk_requests", {**old, "created_at": "2020-01-01T00:00:00.000+00:00"})
    assert await requests.purge(A) == 1
    assert await store.get(A, "kiosk_requests", "old") is None
    assert await store.get(A, "kiosk_requests", fresh.doc["id"]) is not None
