"""The blob store contract (photos' bytes): files beside SQLite, and GridFS on a real MongoDB.

mongomock-motor has no GridFS (motor's bucket refuses its database object), so the GridFS
adapter runs here only when MONGO_URL names a real server; without it, it is not tested.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.ports import BlobStore, StoreError
from hub.store.blobs import FileBlobStore, GridFSBlobStore, blob_dir_for

KINDS = ["files"] + (["gridfs"] if os.environ.get("MONGO_URL") else [])


@pytest.fixture(params=KINDS)
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    if request.param == "files":
        store: BlobStore = FileBlobStore(blob_dir_for(tmp_path / "hub.db"))
        await store.open()
        yield store
        return
    from motor.motor_asyncio import AsyncIOMotorClient

    client: Any = AsyncIOMotorClient(os.environ["MONGO_URL"], serverSelectionTimeoutMS=5000)
    name = f"blobs_{uuid.uuid4().hex[:12]}"
    store = GridFSBlobStore(client.get_database(name))
    await store.open()
    try:
        yield store
    finally:
        await client.drop_database(name)
        client.close()


async def test_a_blob_is_read_back_whole_replaced_and_deleted(blobs: BlobStore) -> None:
    photo = os.urandom(300_000)
    await blobs.put("tenant-a", "p1-full", photo, "image/jpeg")
    assert await blobs.get("tenant-a", "p1-full") == photo
    await blobs.put("tenant-a", "p1-full", b"smaller", "image/jpeg")
    assert await blobs.get("tenant-a", "p1-full") == b"smaller"
    assert await blobs.delete("tenant-a", "p1-full") is True
    assert await blobs.get("tenant-a", "p1-full") is None
    assert await blobs.delete("tenant-a", "p1-full") is False


async def test_a_tenant_never_reads_another_tenants_blob(blobs: BlobStore) -> None:
    await blobs.put("tenant-a", "same-key", b"a's photo", "image/png")
    await blobs.put("tenant-b", "same-key", b"b's photo", "image/png")
    assert await blobs.get("tenant-a", "same-key") == b"a's photo"
    assert await blobs.get("tenant-b", "same-key") == b"b's photo"
    assert await blobs.get("tenant-c", "same-key") is None
    await blobs.delete("tenant-b", "same-key")
    assert await blobs.get("tenant-a", "same-key") == b"a's photo"


@pytest.mark.parametrize(
    ("tenant", "key"),
    [
        ("tenant-a", "../../etc/passwd"),
        ("../x", "key"),
        ("tenant-a", ""),
        ("a/b", "k"),
        ("t", "a.b"),
    ],
)
async def test_names_that_could_leave_the_store_are_refused(
    blobs: BlobStore, tenant: str, key: str
) -> None:
    with pytest.raises(StoreError):
        await blobs.put(tenant, key, b"x", "image/png")
    with pytest.raises(StoreError):
        await blobs.get(tenant, key)


async def test_files_are_written_whole_beside_the_database_and_leave_nothing_half_done(
    tmp_path: Path,
) -> None:
    store = FileBlobStore(blob_dir_for(tmp_path / "hub.db"))
    await store.open()
    assert store.root == tmp_path / "hub.db-blobs"
    assert store.root.stat().st_mode & 0o077 == 0  # photos are for the hub's user only
    await store.put("tenant-a", "abc-full", b"bytes", "image/png")
    written = [p for p in store.root.rglob("*") if p.is_file()]
    assert written == [store.root / "tenant-a" / "ab" / "abc-full"]  # no temporary left over
