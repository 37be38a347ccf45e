"""Store adapters: SQLite (embedded default) and MongoDB (scale-out), one contract; and
the blob stores beside them (hub/store/blobs.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hub.ports import BlobStore, Store
from hub.settings import Settings


def open_store(settings: Settings) -> Store:
    """Build the adapter the database URL names (not yet opened)."""
    if settings.store_kind == "mongodb":
        from hub.store.mongo import MongoStore

        return MongoStore.from_url(settings.database_url, timeout=settings.store_timeout)
    from hub.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path, timeout=settings.store_timeout)


def open_blobs(settings: Settings, store: Store) -> BlobStore:
    """The blob store that goes with the document store (not yet opened): GridFS in the
    same MongoDB database, or a folder beside the SQLite file."""
    from hub.store.blobs import FileBlobStore, GridFSBlobStore, blob_dir_for

    if settings.store_kind == "mongodb":
        from hub.store.mongo import MongoStore

        if isinstance(store, MongoStore):
            return GridFSBlobStore(store.client.get_database(store.database))
    path = settings.sqlite_path
    if str(path) == ":memory:":
        return FileBlobStore(Path(tempfile.mkdtemp(prefix="sos-hub-blobs-")))
    return FileBlobStore(blob_dir_for(path))
