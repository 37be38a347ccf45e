"""Store adapters: SQLite (embedded default) and MongoDB (scale-out), one contract."""

from __future__ import annotations

from hub.ports import Store
from hub.settings import Settings


def open_store(settings: Settings) -> Store:
    """Build the adapter the database URL names (not yet opened)."""
    if settings.store_kind == "mongodb":
        from hub.store.mongo import MongoStore

        return MongoStore.from_url(settings.database_url, timeout=settings.store_timeout)
    from hub.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path, timeout=settings.store_timeout)
