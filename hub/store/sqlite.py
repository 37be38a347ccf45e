"""SqliteStore: the embedded store, one JSON document per row, WAL, safe across processes.

Every write runs in `BEGIN IMMEDIATE`, so two hub processes on one file serialise their
writes and per-tenant counters never repeat or skip. Within a process an asyncio lock
keeps transactions on the shared connection from interleaving.

A call that cannot get the file in `timeout` seconds (another process holds it, the disk is
full, the file went read-only) raises StoreUnavailable: the request answers 503 at once
instead of waiting SQLite's busy handler out and failing with a 500.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

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
    Update,
    Where,
)
from hub.store import docjson, memo, sqlite_stats
from hub.store.schema import (
    GLOBAL_KEYS,
    GLOBAL_UNIQUE,
    INDEXES,
    RETIRED_UNIQUE,
    SCHEMA_VERSION,
    TENANT_UNIQUE,
)
from hub.tickets import places

T = TypeVar("T")
_HANDED_OVER = object()  # `_inline`'s "run it on the thread instead"
_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "ne": "IS NOT"}
DEFAULT_TIMEOUT = 3.0
# A read runs on the event loop itself for at most this long (SQLite's own time, looked at
# every INLINE_CHECK virtual-machine steps); a longer one is stopped and run again on the
# connection's thread. A hop to that thread costs both threads a wake-up (50-95 µs of CPU
# here), several times what a read by key costs.
INLINE_BUDGET = 0.002
INLINE_CHECK = 500
SQLITE_INTERRUPT = 9
STATS_TIMEOUT = 30.0  # seconds a statistics query may take (on its own read connection)
# Primary result codes that mean "the file cannot take this now", not "this query is wrong":
# BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
_UNAVAILABLE_CODES = frozenset({5, 6, 8, 10, 13, 14, 15})
_UNAVAILABLE_WORDS = (
    "locked",
    "busy",
    "full",
    "readonly",
    "read-only",
    "disk i/o",
    "unable to open",
)


def _unavailable(exc: sqlite3.Error) -> bool:
    """Is this SQLite error the file being busy, full or gone (worth a retry later)?"""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _UNAVAILABLE_CODES
    return isinstance(exc, sqlite3.OperationalError) and any(
        word in str(exc).lower() for word in _UNAVAILABLE_WORDS
    )


def _path(field: str) -> str:
    if not all(part.replace("_", "").isalnum() for part in field.split(".")):
        raise StoreError(f"bad field name {field!r}")
    return f"json_extract(doc, '$.{field}')"


def _lower(value: Any) -> str | None:
    """SQLite's own lower() folds ASCII only; this folds every letter (É → é), like Python."""
    return None if value is None else str(value).lower()


def _check_collection(collection: str) -> str:
    if collection not in COLLECTIONS:
        raise StoreError(f"unknown collection {collection!r}")
    return collection


def _where_sql(where: Where | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for field, cond in (where or {}).items():
        if field == "$search":
            fields, text = cond
            like = (
                "%"
                + str(text).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            ors = [f"hub_lower(coalesce({_path(f)}, '')) LIKE ? ESCAPE '\\'" for f in fields]
            clauses.append("(" + " OR ".join(ors) + ")")
            params.extend([like] * len(fields))
            continue
        col = _path(field)
        if isinstance(cond, dict):
            if len(cond) != 1:
                raise StoreError(f"one operator per field, got {list(cond)!r}")
            ((op, value),) = cond.items()
            if op == "in":
                values = list(value)
                if not values:
                    clauses.append("0")
                    continue
                clauses.append(f"{col} IN ({','.join('?' * len(values))})")
                params.extend(values)
            elif op == "contains":
                clauses.append(f"instr(hub_lower(coalesce({col}, '')), hub_lower(?)) > 0")
                params.append(str(value))
            elif op in _OPS:
                clauses.append(f"{col} {_OPS[op]} ?")
                params.append(value)
            else:
                raise StoreError(f"unknown operator {op!r}")
        elif cond is None:
            clauses.append(f"{col} IS NULL")
        else:
            clauses.append(f"{col} = ?")
            params.append(cond)
    return (" AND ".join(clauses) or "1"), params


def _find_sql(
    tenant_id: str,
    collection: str,
    where: Where | None,
    sort: str | None,
    descending: bool,
    limit: int | None,
) -> tuple[str, list[Any]]:
    clause, params = _where_sql(where)
    sql = f"SELECT doc FROM {_check_collection(collection)} WHERE tenant_id = ? AND {clause}"
    if sort:
        sql += f" ORDER BY {_path(sort)} {'DESC' if descending else 'ASC'}, rowid"
    else:
        sql += " ORDER BY rowid"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, [tenant_id, *params]


def _get_sql(collection: str) -> str:
    return f"SELECT doc FROM {_check_collection(collection)} WHERE id = ? AND tenant_id = ?"


def _insert_now(conn: sqlite3.Connection, tenant_id: str, collection: str, doc: Doc) -> Doc:
    doc = {**doc, "tenant_id": tenant_id}
    try:
        conn.execute(
            f"INSERT INTO {_check_collection(collection)}(id, tenant_id, doc) VALUES (?, ?, ?)",
            (doc["id"], tenant_id, docjson.dumps(doc)),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(f"{collection}: {exc}") from exc
    sqlite_stats.write_facts(conn, tenant_id, collection, doc)
    return doc


def _get_now(conn: sqlite3.Connection, tenant_id: str, collection: str, id: str) -> Doc | None:
    row = conn.execute(
        f"SELECT doc FROM {_check_collection(collection)} WHERE id = ? AND tenant_id = ?",
        (id, tenant_id),
    ).fetchone()
    return docjson.loads(row[0]) if row else None


def _update_now(
    conn: sqlite3.Connection,
    tenant_id: str,
    collection: str,
    id: str,
    changes: Doc,
    current: Doc | None = None,
) -> Doc | None:
    current = current if current is not None else _get_now(conn, tenant_id, collection, id)
    if current is None:
        return None
    doc = {**current, **changes, "id": id, "tenant_id": tenant_id}
    try:
        conn.execute(
            f"UPDATE {collection} SET doc = ? WHERE id = ? AND tenant_id = ?",
            (docjson.dumps(doc), id, tenant_id),
        )
    except sqlite3.IntegrityError as exc:
        raise Conflict(f"{collection}: {exc}") from exc
    sqlite_stats.write_facts(conn, tenant_id, collection, doc)
    return doc


def _update_if_now(conn: sqlite3.Connection, tenant_id: str, change: Update) -> None:
    """`change` applied only while its `expected` fields hold (a compare-and-set in a commit)."""
    expected = change.expected or {}
    for key in expected:
        if not key.replace("_", "").isalnum():
            raise StoreError(f"bad field name {key!r}: compare top-level fields only")
    current = _get_now(conn, tenant_id, change.collection, change.id)
    if current is None:
        raise StoreError(f"{change.collection} {change.id} not found")
    if all(current.get(k) == v for k, v in expected.items()):
        _update_now(conn, tenant_id, change.collection, change.id, change.set, current)


def _next_now(conn: sqlite3.Connection, tenant_id: str, counter: str) -> int:
    row = conn.execute(
        "INSERT INTO counters(tenant_id, name, value) VALUES (?, ?, 1)"
        " ON CONFLICT(tenant_id, name) DO UPDATE SET value = value + 1 RETURNING value",
        (tenant_id, counter),
    ).fetchone()
    return int(row[0])


def _schema_statements() -> Iterator[str]:
    yield "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    yield (
        "CREATE TABLE IF NOT EXISTS counters (tenant_id TEXT NOT NULL, name TEXT NOT NULL,"
        " value INTEGER NOT NULL, PRIMARY KEY (tenant_id, name))"
    )
    for name in COLLECTIONS:
        yield (
            f"CREATE TABLE IF NOT EXISTS {name} (id TEXT PRIMARY KEY,"
            " tenant_id TEXT NOT NULL, doc TEXT NOT NULL)"
        )
        yield f"CREATE INDEX IF NOT EXISTS ix_{name}_tenant ON {name}(tenant_id)"
        for fields in INDEXES.get(name, ()):
            cols = ", ".join(_path(f) for f in fields)
            ix = "_".join(f.replace(".", "_") for f in fields)
            yield f"CREATE INDEX IF NOT EXISTS ix_{name}_{ix} ON {name}(tenant_id, {cols})"
        for f in GLOBAL_UNIQUE.get(name, ()):
            ix = f.replace(".", "_")
            yield f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{name}_{ix} ON {name}({_path(f)})"
        for f in TENANT_UNIQUE.get(name, ()):
            ix = f.replace(".", "_")
            yield (
                f"CREATE UNIQUE INDEX IF NOT EXISTS tx_{name}_{ix} ON {name}(tenant_id, {_path(f)})"
            )
        for f in GLOBAL_KEYS.get(name, ()):
            ix = f.replace(".", "_")
            yield f"CREATE INDEX IF NOT EXISTS gx_{name}_{ix} ON {name}({_path(f)})"
        for f in RETIRED_UNIQUE.get(name, ()):  # an older file's: unique no longer
            yield f"DROP INDEX IF EXISTS ux_{name}_{f.replace('.', '_')}"
    yield from sqlite_stats.schema_statements()


class SqliteStore:
    """The Store port on one SQLite file (aiosqlite, WAL)."""

    kind = "sqlite"

    def __init__(self, path: Path | str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # The loop's own read-only connection (a file only: ":memory:" is one connection).
        self._reader: sqlite3.Connection | None = None
        self._inline_until = 0.0
        self._inline_spent = 0.0  # time read on the loop since it last gave others a turn
        # Statistics read on a connection of their own (WAL: readers never block the
        # writer), so a year of a big business being counted holds up no SOS.
        self._stats_db: aiosqlite.Connection | None = None
        self._stats_lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the file (creating folders), switch to WAL and create or migrate the schema."""
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(str(self.path), isolation_level=None)
        await self._db.create_function("hub_lower", 1, _lower, deterministic=True)
        await self._db.execute(f"PRAGMA busy_timeout = {max(1, int(self.timeout * 1000))}")
        await self._db.execute("PRAGMA journal_mode = WAL")
        await self._db.execute("PRAGMA synchronous = NORMAL")
        await self._db.execute("PRAGMA temp_store = MEMORY")  # statistics sort in memory
        async with self._tx() as db:
            for stmt in _schema_statements():
                await db.execute(stmt)
            await db.execute(
                "INSERT INTO meta(key, value) VALUES('schema_version', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                " WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
                (str(SCHEMA_VERSION),),
            )
            await self._in_thread(sqlite_stats.backfill)  # inside this transaction
        if str(self.path) != ":memory:":
            self._reader = self._open_reader()
        await self._settle_places()

    async def _settle_places(self) -> None:
        """Tickets stored without an establishment get their point's, once per version
        (hub/tickets/places.py): statistics and filters count the stored field."""
        rows = await self._read("SELECT value FROM meta WHERE key = 'places_version'", [])
        if rows and int(rows[0][0]) >= places.PLACES_VERSION:
            return
        await places.settle_all(self)
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO meta(key, value) VALUES('places_version', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(places.PLACES_VERSION),),
            )

    def _open_reader(self) -> sqlite3.Connection:
        """The read-only connection the event loop reads on (see `_read_batch`).

        It never waits: a busy file (busy_timeout 0) or a read over INLINE_BUDGET is handed
        to the connection's thread, which waits as every read used to.
        """
        conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        conn.create_function("hub_lower", 1, _lower, deterministic=True)
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.set_progress_handler(self._over_budget, INLINE_CHECK)
        return conn

    def _over_budget(self) -> bool:
        """SQLite's progress handler on the reader: True stops the statement (SQLITE_INTERRUPT)."""
        return time.perf_counter() > self._inline_until

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._stats_db is not None:
            await self._stats_db.close()
            self._stats_db = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def schema_version(self) -> int:
        """The schema version recorded in the file."""
        rows = await self._read("SELECT value FROM meta WHERE key = 'schema_version'", [])
        return int(rows[0][0]) if rows else 0

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("store is not open")
        return self._db

    def _deadline(self) -> float:
        return asyncio.get_running_loop().time() + self.timeout

    @staticmethod
    @asynccontextmanager
    async def _bounded(deadline: float) -> Any:
        """Turn a wait past the deadline, or a busy/full file, into StoreUnavailable.

        SQLite's busy handler normally answers first (see _begin); one second more is the
        backstop for a call that hangs elsewhere.
        """
        try:
            async with asyncio.timeout_at(deadline + 1):
                yield
        except TimeoutError:
            raise StoreUnavailable() from None
        except sqlite3.Error as exc:
            if _unavailable(exc):
                raise StoreUnavailable() from exc
            raise

    async def _begin(self, db: aiosqlite.Connection, deadline: float) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write no later than the deadline.

        After a wait for our turn in this process, SQLite's busy handler gets only what is left,
        so it gives up in time by itself rather than be cancelled mid-wait.
        """
        full = max(1, int(self.timeout * 1000))
        left = max(1, int((deadline - asyncio.get_running_loop().time()) * 1000))
        if left < full - 50:
            await db.execute(f"PRAGMA busy_timeout = {left}")
            try:
                await db.execute("BEGIN IMMEDIATE")
            finally:
                await asyncio.shield(db.execute(f"PRAGMA busy_timeout = {full}"))
        else:
            await db.execute("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def _tx(self) -> Any:
        # A request cancelled mid-transaction (a client that hung up) must not leave the
        # shared connection inside BEGIN: every later write would then fail. aiosqlite runs
        # operations in order on one thread, so a rollback queued after a BEGIN whose await
        # was cancelled still runs after it; shield keeps a second cancel from skipping it.
        # Waiting for our turn (other requests ahead) and for the file share one deadline.
        deadline = self._deadline()
        async with self._bounded(deadline):
            await self._lock.acquire()
        try:
            db = self.db
            try:
                async with self._bounded(deadline):
                    await self._begin(db, deadline)
                yield db
                await asyncio.shield(db.execute("COMMIT"))
            except BaseException as exc:
                await asyncio.shield(db.rollback())  # a no-op when no transaction is open
                if isinstance(exc, sqlite3.Error) and _unavailable(exc):
                    raise StoreUnavailable() from exc  # e.g. the disk filled up mid-write
                raise
        finally:
            self._lock.release()

    async def _statistics_db(self) -> aiosqlite.Connection:
        """The read connection for statistics (the main one for an in-memory database)."""
        if str(self.path) == ":memory:":
            return self.db
        if self._stats_db is None:
            self._stats_db = await aiosqlite.connect(str(self.path), isolation_level=None)
            await self._stats_db.execute(f"PRAGMA busy_timeout = {STATS_TIMEOUT * 1000:.0f}")
            await self._stats_db.execute("PRAGMA temp_store = MEMORY")
            await self._stats_db.execute("PRAGMA query_only = 1")
        return self._stats_db

    @asynccontextmanager
    async def _reading(self) -> Any:
        """A connection for the statistics' reads, in one snapshot, bounded by
        STATS_TIMEOUT (counting a long period takes longer than a write may wait)."""
        memory = str(self.path) == ":memory:"
        lock = self._lock if memory else self._stats_lock
        deadline = asyncio.get_running_loop().time() + max(self.timeout, STATS_TIMEOUT)
        async with self._bounded(deadline):
            await lock.acquire()
        try:
            async with self._bounded(deadline):
                db = await self._statistics_db()
                await db.execute("BEGIN")  # one snapshot for all the reads
                try:
                    yield db
                finally:
                    await asyncio.shield(db.execute("COMMIT"))
        finally:
            lock.release()

    async def _read(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """One statement's rows (one trip, as `_read_batch` makes it)."""
        return await self._read_batch(lambda conn: conn.execute(sql, params).fetchall())

    async def _read_batch(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run the reads in `fn(connection)` in ONE trip (no transaction: each statement sees
        the file as it is then, as separate reads would).

        The trip is first tried on the event loop's own connection (`_inline`): a read by key
        takes SQLite a few µs, a fraction of a hop to the thread. Reads cannot mix with writes
        there (the writes' transactions run whole on the thread, and every statement here
        sees what was committed before it), so the answer is the same either way. A read
        handed over makes one hop to the connection's thread, with one bound for the wait for
        our turn and the reads (one timer, not `_bounded`'s context manager: ~10 µs each)."""
        started = time.perf_counter()
        answer = self._inline(fn)
        if answer is not _HANDED_OVER:
            # A read on the loop does not give the loop a turn as a hop did: a sweep reading
            # each of 3,000 businesses in turn would hold it for 50 ms. Every INLINE_BUDGET of
            # such reads, the others get their turn.
            self._inline_spent += time.perf_counter() - started
            if self._inline_spent > INLINE_BUDGET:
                self._inline_spent = 0.0
                await asyncio.sleep(0)
            return answer  # type: ignore[return-value]
        try:
            async with asyncio.timeout_at(self._deadline() + 1), self._lock:
                return await self._in_thread(fn)
        except TimeoutError:
            raise StoreUnavailable() from None
        except sqlite3.Error as exc:
            if _unavailable(exc):
                raise StoreUnavailable() from exc
            raise

    def _inline(self, fn: Callable[[sqlite3.Connection], T]) -> T | object:
        """`fn` on the loop's reader, or `_HANDED_OVER` when it took longer than INLINE_BUDGET
        or met a busy file: the caller runs it again on the thread (reads only: no harm)."""
        reader = self._reader
        if reader is None:
            return _HANDED_OVER
        self._inline_until = time.perf_counter() + INLINE_BUDGET
        try:
            return fn(reader)
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if (isinstance(code, int) and code & 0xFF == SQLITE_INTERRUPT) or _unavailable(exc):
                return _HANDED_OVER
            raise

    async def _atomic(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run `body` inside BEGIN IMMEDIATE … COMMIT in ONE trip to the connection's thread.

        Each trip costs both threads a wake-up (~0.1 ms of CPU on this machine); an SOS made
        about thirty of them when every statement was its own trip. The body runs to its end
        (COMMIT, or ROLLBACK on any error) even when the awaiting request is cancelled, so the
        shared connection is never left inside a transaction. The wait for our turn in this
        process and SQLite's busy handler (another process's write) share one deadline.
        """
        deadline = self._deadline()
        # One bound (one timer, ~10 µs of CPU each) for our turn and the body.
        async with self._bounded(deadline), self._lock:
            return await self._atomic_locked(body, deadline)

    async def _atomic_locked(self, body: Callable[[sqlite3.Connection], T], deadline: float) -> T:
        """`_atomic` once its turn came: the body on the connection's thread."""
        full = max(1, int(self.timeout * 1000))
        left = max(1, int((deadline - asyncio.get_running_loop().time()) * 1000))

        def run(conn: sqlite3.Connection) -> T:
            shortened = left < full - 50
            if shortened:
                conn.execute(f"PRAGMA busy_timeout = {left}")
            try:
                conn.execute("BEGIN IMMEDIATE")
            finally:
                if shortened:
                    conn.execute(f"PRAGMA busy_timeout = {full}")
            try:
                result = body(conn)
                conn.execute("COMMIT")
                return result
            except BaseException:
                conn.rollback()
                raise

        return await asyncio.shield(self._in_thread(run))

    async def _in_thread(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Call `fn(connection)` on aiosqlite's thread, after what is queued before it."""
        db = self.db
        conn = db._conn  # aiosqlite's own sqlite3 connection, only ever used on its thread
        result: T = await db._execute(fn, conn)  # type: ignore[no-untyped-call]
        return result

    async def insert(self, tenant_id: str, collection: str, doc: Doc) -> Doc:
        """Insert one document; Conflict when a unique value is taken."""
        memo.forget(collection)
        return await self._atomic(lambda conn: _insert_now(conn, tenant_id, collection, doc))

    async def get(self, tenant_id: str, collection: str, id: str) -> Doc | None:
        """One document of this tenant, or None (also for another tenant's id).

        A business and its settings are read once per request (hub/store/memo.py)."""
        remembered = collection in memo.REMEMBERED
        if remembered:
            known = memo.recall(collection, tenant_id, id)
            if known is not memo.UNKNOWN:
                return docjson.loads(known) if isinstance(known, str) else None
        rows = await self._read(_get_sql(collection), (id, tenant_id))
        text = rows[0][0] if rows else None
        if remembered:
            memo.keep(collection, tenant_id, id, text)
        return docjson.loads(text) if text is not None else None

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
        sql, params = _find_sql(tenant_id, collection, where, sort, descending, limit)
        rows = await self._read(sql, params)
        return [docjson.loads(r[0]) for r in rows]

    async def read_many(self, tenant_id: str, reads: Sequence[Read]) -> list[Any]:
        """Several reads of this tenant in one trip (`_read_batch`: on the loop, or one hop to
        SQLite's thread); each answer as `get` (a document or None) or `find` (a list) gives it.

        A business and its settings already read by this request come from its memo."""
        answers: list[Any] = [None] * len(reads)
        asked: list[tuple[int, str, list[Any]]] = []  # (position, SQL, parameters)
        for i, read in enumerate(reads):
            if isinstance(read, Get):
                if read.collection in memo.REMEMBERED:
                    known = memo.recall(read.collection, tenant_id, read.id)
                    if known is not memo.UNKNOWN:
                        answers[i] = docjson.loads(known) if isinstance(known, str) else None
                        continue
                asked.append((i, _get_sql(read.collection), [read.id, tenant_id]))
            elif isinstance(read, Find):
                sql, params = _find_sql(
                    tenant_id, read.collection, read.where, read.sort, read.descending, read.limit
                )
                asked.append((i, sql, params))
            else:
                raise StoreError(f"not a read: {read!r}")
        if not asked:
            return answers

        def run(conn: sqlite3.Connection) -> list[list[Any]]:
            return [conn.execute(sql, params).fetchall() for _, sql, params in asked]

        for (i, _, _), rows in zip(asked, await self._read_batch(run), strict=True):
            read = reads[i]
            if isinstance(read, Get):
                text = rows[0][0] if rows else None
                if read.collection in memo.REMEMBERED:
                    memo.keep(read.collection, tenant_id, read.id, text)
                answers[i] = docjson.loads(text) if text is not None else None
            else:
                answers[i] = [docjson.loads(r[0]) for r in rows]
        return answers

    async def count(self, tenant_id: str, collection: str, where: Where | None = None) -> int:
        """How many documents of this tenant match."""
        clause, params = _where_sql(where)
        table = _check_collection(collection)
        rows = await self._read(
            f"SELECT count(*) FROM {table} WHERE tenant_id = ? AND {clause}", [tenant_id, *params]
        )
        return int(rows[0][0])

    async def count_by(
        self, tenant_id: str, collection: str, field: str, where: Where | None = None
    ) -> dict[Any, int]:
        """How many documents of this tenant match, per value of `field` (set ones only)."""
        clause, params = _where_sql(where)
        table = _check_collection(collection)
        value = _path(field)
        rows = await self._read(
            f"SELECT {value}, count(*) FROM {table} WHERE tenant_id = ? AND {clause}"
            f" AND {value} IS NOT NULL GROUP BY {value}",
            [tenant_id, *params],
        )
        return {row[0]: int(row[1]) for row in rows}

    async def update(self, tenant_id: str, collection: str, id: str, changes: Doc) -> Doc | None:
        """Set fields of one document; None when this tenant has no such document."""
        memo.forget(collection)
        return await self._atomic(
            lambda conn: _update_now(conn, tenant_id, collection, id, changes)
        )

    async def update_if(
        self, tenant_id: str, collection: str, id: str, expected: Where, changes: Doc
    ) -> Doc | None:
        """Set fields only while `expected` still holds (compare-and-set); None otherwise."""
        for key in expected:
            if not key.replace("_", "").isalnum():
                raise StoreError(f"bad field name {key!r}: compare top-level fields only")
        memo.forget(collection)

        def body(conn: sqlite3.Connection) -> Doc | None:
            # Inside BEGIN IMMEDIATE: no other writer between the read and the write.
            current = _get_now(conn, tenant_id, collection, id)
            if current is None or any(current.get(k) != v for k, v in expected.items()):
                return None
            return _update_now(conn, tenant_id, collection, id, changes, current)

        return await self._atomic(body)

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
        """Add `by` to a top-level number field, creating the document when absent (one
        UPSERT statement: concurrent increments never lose a count); Conflict when the id is
        another tenant's."""
        table = _check_collection(collection)
        memo.forget(collection)
        if not field.replace("_", "").isalnum():
            raise StoreError(f"bad field name {field!r}: increment top-level fields only")
        path = f"$.{field}"
        doc = {**(fields or {}), field: by, "id": id, "tenant_id": tenant_id}

        def body(conn: sqlite3.Connection) -> None:
            try:
                cur = conn.execute(
                    f"INSERT INTO {table}(id, tenant_id, doc) VALUES (?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET"
                    " doc = json_set(doc, ?, coalesce(json_extract(doc, ?), 0) + ?)"
                    " WHERE tenant_id = excluded.tenant_id",
                    (id, tenant_id, docjson.dumps(doc), path, path, int(by)),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"{collection}: {exc}") from exc
            if cur.rowcount != 1:  # the id is another tenant's: its row stays as it was
                raise Conflict(f"{collection}: id {id!r} is taken")

        await self._atomic(body)

    async def delete(self, tenant_id: str, collection: str, id: str) -> bool:
        """Remove one document of this tenant."""
        table = _check_collection(collection)
        memo.forget(collection)

        def body(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                f"DELETE FROM {table} WHERE id = ? AND tenant_id = ?", (id, tenant_id)
            )
            if cur.rowcount:
                sqlite_stats.forget_facts(conn, tenant_id, collection, id)
            return bool(cur.rowcount)

        return await self._atomic(body)

    async def next_value(self, tenant_id: str, counter: str) -> int:
        """The tenant's next value of a named counter, from 1, atomic across processes."""
        return await self._atomic(lambda conn: _next_now(conn, tenant_id, counter))

    async def commit(
        self, tenant_id: str, changes: Sequence[Change], events: Sequence[EventDraft]
    ) -> list[Event]:
        """Apply the changes and store their events in one transaction: all or nothing."""
        for change in changes:
            memo.forget(change.collection)

        def body(conn: sqlite3.Connection) -> list[Event]:
            for change in changes:
                if isinstance(change, Insert):
                    _insert_now(conn, tenant_id, change.collection, change.doc)
                elif change.expected is not None:
                    _update_if_now(conn, tenant_id, change)
                elif (
                    isinstance(change, Update)
                    and _update_now(conn, tenant_id, change.collection, change.id, change.set)
                    is None
                ):
                    raise StoreError(f"{change.collection} {change.id} not found")
            stored: list[Event] = []
            for draft in events:
                seq = _next_now(conn, tenant_id, "event_seq")
                event = Event(
                    tenant_id,
                    seq,
                    draft.name,
                    draft.ticket_id,
                    draft.staff,
                    draft.customer,
                    now_iso(),
                )
                _insert_now(conn, tenant_id, "events", event.to_doc())
                stored.append(event)
            return stored

        return await self._atomic(body)

    async def events_after(self, tenant_id: str, seq: int, limit: int = 500) -> list[Event]:
        """Stored events with a seq above `seq`, oldest first."""
        docs = await self.find(tenant_id, "events", {"seq": {"gt": seq}}, sort="seq", limit=limit)
        return [Event.from_doc(d) for d in docs]

    async def latest_seq(self, tenant_id: str) -> int:
        """The tenant's highest event seq so far (0 when none)."""
        rows = await self._read(
            "SELECT value FROM counters WHERE tenant_id = ? AND name = 'event_seq'", [tenant_id]
        )
        return int(rows[0][0]) if rows else 0

    async def lookup(self, collection: str, field: str, value: str) -> Doc | None:
        """Find the one document holding a globally unique public key."""
        if field not in GLOBAL_UNIQUE.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a lookup field")
        rows = await self._read(
            f"SELECT doc FROM {collection} WHERE {_path(field)} = ?", [str(value)]
        )
        return docjson.loads(rows[0][0]) if rows else None

    async def lookup_all(
        self, collection: str, field: str, value: str, limit: int = LOOKUP_ALL_LIMIT
    ) -> list[Doc]:
        """Every document, in any tenant, holding this key (unique only per tenant), in the
        order stored: the accounts one staff e-mail has, one per business."""
        if field not in GLOBAL_KEYS.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a cross-tenant key")
        rows = await self._read(
            f"SELECT doc FROM {collection} WHERE {_path(field)} = ? ORDER BY rowid LIMIT ?",
            [str(value), max(0, int(limit))],
        )
        return [docjson.loads(r[0]) for r in rows]

    async def lookup_with_tenant(
        self, collection: str, field: str, value: str
    ) -> tuple[Doc | None, Doc | None]:
        """`lookup` and the found document's business (None when it has none), in one
        statement: the QR door's point and its tenant in one trip instead of two."""
        if field not in GLOBAL_UNIQUE.get(collection, ()):
            raise StoreError(f"{collection}.{field} is not a lookup field")
        rows = await self._read(
            f"SELECT d.doc, d.tenant_id, t.doc FROM {collection} AS d"
            " LEFT JOIN tenants AS t ON t.id = d.tenant_id AND t.tenant_id = d.tenant_id"
            f" WHERE json_extract(d.doc, '$.{field}') = ?",
            [str(value)],
        )
        if not rows:
            return None, None
        text, tenant_id, tenant_text = rows[0]
        memo.keep("tenants", str(tenant_id), str(tenant_id), tenant_text)
        return docjson.loads(text), (
            docjson.loads(tenant_text) if tenant_text is not None else None
        )

    async def ticket_figures(self, query: StatsQuery) -> TicketFigures:
        """Statistics of a period, grouped in SQL on the facts table (hub/store/sqlite_stats.py)."""
        async with self._reading() as db:
            return await sqlite_stats.ticket_figures(db, query)

    async def reply_figures(self, tenant_id: str, start: str, end: str) -> list[AgentReplies]:
        """Staff replies per agent in [start, end), with their etiquette steps."""
        async with self._reading() as db:
            return await sqlite_stats.reply_figures(db, tenant_id, start, end)

    async def tenant_ids(self) -> list[str]:
        """Every tenant's id, oldest first (system sweeps then query each tenant)."""
        return [str(r[0]) for r in await self._read("SELECT id FROM tenants ORDER BY rowid", [])]


__all__ = ["SqliteStore"]
