"""Statistics on SQLite: the facts tables SqliteStore keeps beside the documents, and the
GROUP BY queries that answer the dashboard.

`ticket_facts` holds one row of plain columns per ticket (hub/tickets/facts.py), and
`reply_facts` one per staff reply (its author and the etiquette steps it covered, as a bit
mask in STEPS order). Both are `WITHOUT ROWID` tables clustered on (tenant_id, created_at,
id): a period is one contiguous range of the table, read without touching the JSON
documents, so a query costs what its period holds, not what the file holds. They are
written in the same transaction as the document they come from (SqliteStore._insert,
_update, delete), rebuilt for a business whose time zone changes, and filled for old data
when a file is opened by a newer hub (`backfill`, guarded by the meta key
`facts_version`).

Per-day rollups (`ticket_rollups`, `reply_rollups`) keep, per business, local day,
grouping and key, the counters and histograms of minutes a group needs (hub/tickets/facts.py
`Rollup`), moved in the same transaction as the facts (`_put_ticket_facts`: the old facts
counted out, the new ones in); a period over EXACT_DAYS reads them for its whole local days
and the facts for its partial first and last days, with binned percentiles (`_rolled_figures`).

Over the facts, counts are one `GROUP BY held, <fact>`. Median and 90th percentile are
exact nearest-rank (ranks ceil(n/2) and ceil(0.9 n)): one scan of the period sends only
each ticket's group key and its two minutes, and the hub sorts each group's list. Measured
at 1,000,000 tickets (bench/stats.py), SQLite's window functions (`row_number` over
`PARTITION BY <fact> ORDER BY minutes`, and again for the whole period) cost about ten
times the CPU of this for the same exact answer: its sorter is slow next to Python's.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import aiosqlite
import numpy as np

from hub.clock import iso
from hub.ports import AgentReplies, Doc, GroupFigures, StatsQuery, TicketFigures, Timing
from hub.tickets.etiquette import STEPS, ordered
from hub.tickets.facts import (
    COLUMNS,
    COUNTERS,
    FACTS_VERSION,
    GROUP_FACTS,
    HELD,
    LABEL_FACTS,
    ROLLUP_VERSION,
    Rollup,
    bin_value,
    counters,
    first_responder,
    minute_bin,
    nearest_ranks,
    pack_histogram,
    promise_minutes,
    rollup_dim,
    rollup_keys,
    ticket_facts,
    zone_of,
)
from hub.tickets.model import RATINGS

_TICKET_COLUMNS = tuple(c for c in COLUMNS if c != "created_at")
_REPLY_COLUMNS = ("author_key", "author_id", "author_name", "steps")
_PERIOD = "tenant_id = ? AND created_at >= ? AND created_at < ?"


def schema_statements() -> Iterator[str]:
    """The facts tables and their index by id (what a write replaces)."""
    cols = ", ".join(f"{c} ANY" for c in _TICKET_COLUMNS)
    yield (
        "CREATE TABLE IF NOT EXISTS ticket_facts (tenant_id TEXT NOT NULL,"
        f" created_at TEXT NOT NULL, id TEXT NOT NULL, {cols},"
        " PRIMARY KEY (tenant_id, created_at, id)) WITHOUT ROWID"
    )
    yield "CREATE UNIQUE INDEX IF NOT EXISTS ux_ticket_facts_id ON ticket_facts(id)"
    yield (
        "CREATE TABLE IF NOT EXISTS reply_facts (tenant_id TEXT NOT NULL,"
        " created_at TEXT NOT NULL, id TEXT NOT NULL, author_key TEXT NOT NULL,"
        " author_id TEXT, author_name TEXT, steps INTEGER NOT NULL,"
        " PRIMARY KEY (tenant_id, created_at, id)) WITHOUT ROWID"
    )
    yield "CREATE UNIQUE INDEX IF NOT EXISTS ux_reply_facts_id ON reply_facts(id)"
    counts = ", ".join(f"{c} INTEGER NOT NULL" for c in COUNTERS)
    yield (
        "CREATE TABLE IF NOT EXISTS ticket_rollups (tenant_id TEXT NOT NULL, dim TEXT NOT NULL,"
        f" day TEXT NOT NULL, key TEXT NOT NULL, sla REAL NOT NULL, {counts},"
        " label TEXT, label_at TEXT, fr_hist BLOB, rs_hist BLOB,"
        " PRIMARY KEY (tenant_id, dim, day, key)) WITHOUT ROWID"
    )
    steps = ", ".join(f"s{i} INTEGER NOT NULL" for i in range(len(STEPS)))
    yield (
        "CREATE TABLE IF NOT EXISTS reply_rollups (tenant_id TEXT NOT NULL, day TEXT NOT NULL,"
        f" author_key TEXT NOT NULL, author_id TEXT, replies INTEGER NOT NULL, {steps},"
        " name TEXT, name_at TEXT, PRIMARY KEY (tenant_id, day, author_key)) WITHOUT ROWID"
    )


def ticket_row(tenant_id: str, id: str, facts: Doc) -> tuple[Any, ...]:
    """The `ticket_facts` row of a ticket's facts, in INSERT_TICKET's order."""
    return (tenant_id, facts["created_at"], id, *(facts[c] for c in _TICKET_COLUMNS))


INSERT_TICKET = (
    f"INSERT INTO ticket_facts (tenant_id, created_at, id, {', '.join(_TICKET_COLUMNS)})"
    f" VALUES ({', '.join('?' * (3 + len(_TICKET_COLUMNS)))})"
)
INSERT_REPLY = (
    "INSERT INTO reply_facts (tenant_id, created_at, id, author_key, author_id, author_name,"
    " steps) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def is_reply(entry: Doc) -> bool:
    """A staff reply on a thread (a warning to a held-back sender is none)."""
    return (
        entry.get("kind") == "message"
        and entry.get("author") == "staff"
        and not entry.get("warning")
        and bool(entry.get("created_at"))
    )


def reply_row(tenant_id: str, entry: Doc) -> tuple[Any, ...]:
    """The `reply_facts` row of a staff reply, in INSERT_REPLY's order."""
    mask = 0
    for step in ordered(entry.get("etiquette") or ()):
        mask |= 1 << STEPS.index(step)
    author_id = entry.get("author_id")
    key = str(author_id or f"name:{entry.get('author_name') or ''}")
    return (
        tenant_id,
        str(entry["created_at"]),
        entry["id"],
        key,
        author_id,
        entry.get("author_name"),
        mask,
    )


def _timezone(conn: sqlite3.Connection, tenant_id: str) -> Any:
    row = conn.execute(
        "SELECT json_extract(doc, '$.timezone') FROM tenants WHERE id = ?", (tenant_id,)
    ).fetchone()
    return row[0] if row else None


def _zone_and_promise(conn: sqlite3.Connection, tenant_id: str) -> tuple[Any, float]:
    """The business's time zone and promise (minutes), in one read (each ticket write)."""
    row = conn.execute(
        "SELECT json_extract(doc, '$.timezone'), json_extract(doc, '$.sla_hours')"
        " FROM tenants WHERE id = ?",
        (tenant_id,),
    ).fetchone()
    return (row[0], promise_minutes(row[1])) if row else (None, promise_minutes(None))


def _promise(conn: sqlite3.Connection, tenant_id: str) -> float:
    row = conn.execute(
        "SELECT json_extract(doc, '$.sla_hours') FROM tenants WHERE id = ?", (tenant_id,)
    ).fetchone()
    return promise_minutes(row[0] if row else None)


_FACT_SELECT = f"SELECT created_at, {', '.join(_TICKET_COLUMNS)} FROM ticket_facts"
_OWNED_FACT_SELECT = (
    f"SELECT tenant_id, created_at, {', '.join(_TICKET_COLUMNS)} FROM ticket_facts WHERE id = ?"
)
_ROLLUP_COLUMNS = (*COUNTERS, "label", "label_at", "fr_hist", "rs_hist")
_ROLLUP_WHERE = "tenant_id = ? AND dim = ? AND day = ? AND key = ?"
_INSERT_ROLLUP = (
    f"INSERT OR REPLACE INTO ticket_rollups (tenant_id, dim, day, key, sla,"
    f" {', '.join(_ROLLUP_COLUMNS)}) VALUES ({', '.join('?' * (5 + len(_ROLLUP_COLUMNS)))})"
)


def _facts_of(row: Sequence[Any]) -> Doc:
    return dict(zip(("created_at", *_TICKET_COLUMNS), row, strict=True))


def _rollup_row(
    tenant_id: str, dim: str, day: str, key: str, sla: float, r: Rollup
) -> tuple[Any, ...]:
    return (
        tenant_id,
        dim,
        day,
        key,
        sla,
        *r.counts,
        r.label,
        r.label_at,
        pack_histogram(r.first),
        pack_histogram(r.resolution),
    )


def _latest_label(
    conn: sqlite3.Connection, tenant_id: str, dim: str, facts: Doc, key: Any
) -> tuple[str | None, str | None]:
    """The latest label the group's tickets of one local day give (after the ticket that
    gave the row its label changed or went)."""
    zone = zone_of(facts["tz"])
    day = date.fromisoformat(facts["day"])
    bounds = [iso(datetime.combine(day + timedelta(days=n), time(), zone)) for n in (0, 1)]
    fact, label = GROUP_FACTS[dim], LABEL_FACTS[dim]
    row = conn.execute(
        f"SELECT {label}, created_at FROM ticket_facts WHERE tenant_id = ? AND created_at >= ?"
        f" AND created_at < ? AND {fact} IS ? AND held = 0 AND {label} IS NOT NULL"
        " ORDER BY created_at DESC LIMIT 1",
        (tenant_id, *bounds, key),
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _bump(blob: bytes | None, minutes: float | None, sign: int) -> bytes | None:
    """A packed histogram with one value counted in or out (array operations in C)."""
    if minutes is None:
        return blob
    bin = minute_bin(minutes)
    pairs = array("I")
    if blob:
        pairs.frombytes(blob)
    try:
        at = pairs[0::2].index(bin) * 2
    except ValueError:
        if sign > 0:
            pairs.extend((bin, 1))
        return pairs.tobytes()
    left = pairs[at + 1] + sign
    if left > 0:
        pairs[at + 1] = left
    else:
        del pairs[at : at + 2]
    return pairs.tobytes()


_N = len(COUNTERS)
_SELECT_ROLLUP = f"SELECT {', '.join(_ROLLUP_COLUMNS)} FROM ticket_rollups WHERE {_ROLLUP_WHERE}"


def _count(
    conn: sqlite3.Connection,
    tenant_id: str,
    moves: list[tuple[Doc, int]],
    sla: float,
) -> None:
    """Count a ticket's old facts out (-1) and its new ones in (1) of their days' rollup
    rows: one read and one write per row that changes, none for a row that does not."""
    if len(moves) == 1 and moves[0][1] > 0 and _bins(moves[0][0]) == (None, None):
        _count_new(conn, tenant_id, moves[0][0], sla)  # intake: no minutes yet
        return
    slots: dict[tuple[str, str, str], list[tuple[Doc, str | None, int, Any, list[int]]]] = {}
    for facts, sign in moves:
        signed = [sign * n for n in counters(facts, sla)]
        for dim, key, label in rollup_keys(facts):
            slot = (dim, facts["day"], json.dumps(key))
            slots.setdefault(slot, []).append((facts, label, sign, key, signed))
    same_figures = len(moves) == 2 and _same_figures(moves, sla)
    for slot, changes in slots.items():
        if same_figures and len(changes) == 2 and changes[0][1] == changes[1][1]:
            continue  # counted out and back in with the same figures and label
        where = (tenant_id, *slot)
        row = conn.execute(_SELECT_ROLLUP, where).fetchone()
        counts = list(row[:_N]) if row else [0] * _N
        label, label_at, first, resolution = row[_N:] if row else (None, None, None, None)
        lost = False
        for facts, given, sign, _, signed in changes:
            counts = [a + b for a, b in zip(counts, signed, strict=True)]
            first = _bump(first, facts["first_response"], sign)
            resolution = _bump(resolution, facts["resolution"], sign)
            if sign < 0 and label_at is not None and label_at == facts["created_at"]:
                lost = True
            if sign > 0 and given is not None and (label_at or "") <= facts["created_at"]:
                label, label_at, lost = given, facts["created_at"], False
        if counts[0] <= 0:
            conn.execute(f"DELETE FROM ticket_rollups WHERE {_ROLLUP_WHERE}", where)
            continue
        if lost and slot[0] in LABEL_FACTS:
            label, label_at = _latest_label(conn, tenant_id, slot[0], changes[0][0], changes[0][3])
        conn.execute(_INSERT_ROLLUP, (*where, sla, *counts, label, label_at, first, resolution))


_UPSERT_NEW = (
    _INSERT_ROLLUP.replace("INSERT OR REPLACE", "INSERT")
    + " ON CONFLICT (tenant_id, dim, day, key) DO UPDATE SET sla = excluded.sla, "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in COUNTERS)
    + ", label = CASE WHEN excluded.label IS NOT NULL AND coalesce(label_at, '')"
    " <= excluded.label_at THEN excluded.label ELSE label END"
    ", label_at = CASE WHEN excluded.label IS NOT NULL AND coalesce(label_at, '')"
    " <= excluded.label_at THEN excluded.label_at ELSE label_at END"
)


def _count_new(conn: sqlite3.Connection, tenant_id: str, facts: Doc, sla: float) -> None:
    """A new ticket without minutes: its counters added to each row in one statement per
    row, no read (the histograms stay as they are)."""
    counts = counters(facts, sla)
    created = facts["created_at"]
    conn.executemany(
        _UPSERT_NEW,
        [
            (
                tenant_id,
                dim,
                facts["day"],
                json.dumps(key),
                sla,
                *counts,
                label,
                created if label is not None else None,
                None,
                None,
            )
            for dim, key, label in rollup_keys(facts)
        ],
    )


def _same_figures(moves: list[tuple[Doc, int]], sla: float) -> bool:
    """The old and new facts add the same counters and histogram bins (a row holding both
    stays as it is)."""
    (old, _), (new, _) = moves
    return counters(old, sla) == counters(new, sla) and _bins(old) == _bins(new)


def _bins(facts: Doc) -> tuple[int | None, ...]:
    return tuple(
        None if facts[m] is None else minute_bin(facts[m]) for m in ("first_response", "resolution")
    )


def _put_ticket_facts(
    conn: sqlite3.Connection, tenant_id: str, id: str, facts: Doc | None, sla: float | None
) -> None:
    """Replace a ticket's facts row and move its counts in the rollups (same transaction);
    `sla` None: the rollups are rebuilt after (a bulk refresh)."""
    old = conn.execute(_OWNED_FACT_SELECT, (id,)).fetchone()
    before = _facts_of(old[1:]) if old is not None else None
    after = (
        {"created_at": facts["created_at"], **{c: facts[c] for c in _TICKET_COLUMNS}}
        if facts
        else None
    )
    if before is not None and before == after and old[0] == tenant_id:
        # most writes (a message, a read mark, the routing job's marks): the row as it is,
        # nothing counted changes
        return
    if before is not None:
        conn.execute("DELETE FROM ticket_facts WHERE id = ?", (id,))
    if facts is not None:
        conn.execute(INSERT_TICKET, ticket_row(tenant_id, id, facts))
    if sla is None or before == after:
        return
    moves = [(f, sign) for f, sign in ((before, -1), (after, 1)) if f is not None]
    _count(conn, tenant_id, moves, sla)


def rebuild_rollups(conn: sqlite3.Connection, tenant_ids: Sequence[str] | None = None) -> None:
    """Count the rollups again from the facts (every tenant's, or these tenants'): after a
    new time zone or promise, and once for data written before the rollups."""
    if tenant_ids is None:
        tenant_ids = [
            r[0]
            for r in conn.execute(
                "SELECT tenant_id FROM ticket_facts UNION SELECT tenant_id FROM reply_facts"
            )
        ]
        conn.execute("DELETE FROM ticket_rollups")
        conn.execute("DELETE FROM reply_rollups")
    for tenant_id in tenant_ids:
        conn.execute("DELETE FROM ticket_rollups WHERE tenant_id = ?", (tenant_id,))
        sla = _promise(conn, tenant_id)
        rollups: dict[tuple[str, str, str], Rollup] = {}
        cur = conn.execute(f"{_FACT_SELECT} WHERE tenant_id = ?", (tenant_id,))
        while batch := cur.fetchmany(10_000):
            for row in batch:
                facts = _facts_of(row)
                for dim, key, label in rollup_keys(facts):
                    slot = (dim, facts["day"], json.dumps(key))
                    rollup = rollups.get(slot)
                    if rollup is None:
                        rollup = rollups[slot] = Rollup()
                    rollup.add(facts, label, sla)
        conn.executemany(
            _INSERT_ROLLUP,
            (_rollup_row(tenant_id, *slot, sla, r) for slot, r in rollups.items()),
        )
        _rebuild_reply_rollups(conn, tenant_id)


_S = len(STEPS)
_REPLY_ROLLUP_COLUMNS = (
    "author_id",
    "replies",
    *(f"s{i}" for i in range(_S)),
    "name",
    "name_at",
)
_INSERT_REPLY_ROLLUP = (
    "INSERT OR REPLACE INTO reply_rollups (tenant_id, day, author_key,"
    f" {', '.join(_REPLY_ROLLUP_COLUMNS)})"
    f" VALUES ({', '.join('?' * (3 + len(_REPLY_ROLLUP_COLUMNS)))})"
)
_REPLY_WHERE = "tenant_id = ? AND day = ? AND author_key = ?"


def _local_day(created_at: str, zone: Any) -> str:
    return datetime.fromisoformat(created_at).astimezone(zone).date().isoformat()


def _add_reply(values: list[Any], reply: Sequence[Any], sign: int) -> bool:
    """Count a reply_facts row (tenant, created_at, id, key, author_id, name, steps) in or
    out of a reply rollup's values; True when the row's name came from it and it went."""
    created, author_id, name, mask = reply[1], reply[4], reply[5], reply[6]
    values[0] = values[0] if values[0] is not None else author_id
    values[1] += sign
    for i in range(_S):
        values[2 + i] += sign * ((mask >> i) & 1)
    if sign > 0 and name and (values[3 + _S] or "") <= created:
        values[2 + _S], values[3 + _S] = name, created
        return False
    return sign < 0 and values[3 + _S] == created


def _rebuild_reply_rollups(conn: sqlite3.Connection, tenant_id: str) -> None:
    conn.execute("DELETE FROM reply_rollups WHERE tenant_id = ?", (tenant_id,))
    zone = zone_of(_timezone(conn, tenant_id))
    rows: dict[tuple[str, str], list[Any]] = {}
    cur = conn.execute(
        "SELECT tenant_id, created_at, id, author_key, author_id, author_name, steps"
        " FROM reply_facts WHERE tenant_id = ?",
        (tenant_id,),
    )
    while batch := cur.fetchmany(10_000):
        for reply in batch:
            slot = (_local_day(reply[1], zone), reply[3])
            values = rows.get(slot)
            if values is None:
                values = rows[slot] = [None, 0, *([0] * _S), None, None]
            _add_reply(values, reply, 1)
    conn.executemany(
        _INSERT_REPLY_ROLLUP, ((tenant_id, *slot, *values) for slot, values in rows.items())
    )


def _put_reply_facts(
    conn: sqlite3.Connection, tenant_id: str, id: str, row: tuple[Any, ...] | None
) -> None:
    """Replace a reply's facts row and move its count in the reply rollups."""
    old = conn.execute(
        "SELECT tenant_id, created_at, id, author_key, author_id, author_name, steps"
        " FROM reply_facts WHERE id = ?",
        (id,),
    ).fetchone()
    if old is not None:
        conn.execute("DELETE FROM reply_facts WHERE id = ?", (id,))
    if row is not None:
        conn.execute(INSERT_REPLY, row)
    if old is None and row is None:
        return  # not a reply, never was (a customer's message, a note): nothing to count
    if old is not None and row is not None and tuple(old) == tuple(row):
        return
    zone = zone_of(_timezone(conn, tenant_id))
    for reply, sign in ((old, -1), (row, 1)):
        if reply is None:
            continue
        where = (reply[0], _local_day(reply[1], zone), reply[3])
        found = conn.execute(
            f"SELECT {', '.join(_REPLY_ROLLUP_COLUMNS)} FROM reply_rollups WHERE {_REPLY_WHERE}",
            where,
        ).fetchone()
        values: list[Any] = list(found) if found else [None, 0, *([0] * _S), None, None]
        lost = _add_reply(values, reply, sign)
        if values[1] <= 0:
            conn.execute(f"DELETE FROM reply_rollups WHERE {_REPLY_WHERE}", where)
            continue
        if lost:
            day = date.fromisoformat(where[1])
            bounds = [iso(datetime.combine(day + timedelta(days=n), time(), zone)) for n in (0, 1)]
            named = conn.execute(
                "SELECT author_name, created_at FROM reply_facts WHERE tenant_id = ?"
                " AND created_at >= ? AND created_at < ? AND author_key = ?"
                " AND author_name IS NOT NULL AND author_name != ''"
                " ORDER BY created_at DESC LIMIT 1",
                (where[0], *bounds, where[2]),
            ).fetchone()
            values[2 + _S], values[3 + _S] = (named[0], named[1]) if named else (None, None)
        conn.execute(_INSERT_REPLY_ROLLUP, (*where, *values))


def write_facts(conn: sqlite3.Connection, tenant_id: str, collection: str, doc: Doc) -> None:
    """Keep the facts of a ticket or a staff reply that was just written (same transaction)."""
    if collection == "tickets":
        zone, promise = _zone_and_promise(conn, tenant_id)
        _put_ticket_facts(conn, tenant_id, doc["id"], ticket_facts(doc, zone), promise)
    elif collection == "entries":
        row = reply_row(tenant_id, doc) if is_reply(doc) else None
        _put_reply_facts(conn, tenant_id, doc["id"], row)
    elif collection == "tenants" and doc.get("id") == tenant_id:
        # All of a business's facts are in its zone of the time (a new one refreshes them all,
        # in the same transaction): one row tells, where `tz IS NOT ?` read every row of a
        # business that had not moved (a million at 1,000,000 tickets, on every tenant write).
        zoned = conn.execute(
            "SELECT tz FROM ticket_facts WHERE tenant_id = ? LIMIT 1", (tenant_id,)
        ).fetchone()
        stale = zoned is not None and zoned[0] != str(doc.get("timezone") or "UTC")
        if stale:  # the business moved to another time zone: its local buckets move too
            _refresh_tickets(conn, "WHERE tenant_id = ?", (tenant_id,))
        promise = promise_minutes(doc.get("sla_hours"))
        # Every rollup row of a business is counted against its promise of the time (a new
        # one counts them all again, in the same transaction): one row tells.
        counted = conn.execute(
            "SELECT sla FROM ticket_rollups WHERE tenant_id = ? LIMIT 1", (tenant_id,)
        ).fetchone()
        if stale or (counted is not None and counted[0] != promise):
            rebuild_rollups(conn, [tenant_id])  # another zone or promise: counted again


def forget_facts(conn: sqlite3.Connection, tenant_id: str, collection: str, id: str) -> None:
    """Drop the facts of a deleted ticket (and its counts in the rollups) or entry."""
    if collection == "tickets":
        _put_ticket_facts(conn, tenant_id, id, None, _promise(conn, tenant_id))
    elif collection == "entries":
        _put_reply_facts(conn, tenant_id, id, None)


def _first_reply(conn: sqlite3.Connection, tenant_id: str, ticket_id: str) -> Doc | None:
    rows = conn.execute(
        "SELECT doc FROM entries WHERE tenant_id = ? AND json_extract(doc, '$.ticket_id') = ?"
        " ORDER BY json_extract(doc, '$.created_at')",
        (tenant_id, ticket_id),
    ).fetchall()
    for (text,) in rows:
        entry = json.loads(text)
        if is_reply(entry):
            return dict(entry)
    return None


def _refresh_tickets(conn: sqlite3.Connection, where: str, params: Sequence[Any]) -> None:
    """Recompute the facts of the tickets `where` selects (old data, a new time zone); a
    ticket answered before tickets named their first responder gets it from its thread."""
    zones: dict[str, Any] = {}
    rows = conn.execute(f"SELECT id, tenant_id, doc FROM tickets {where}", params).fetchall()
    for id, tenant_id, text in rows:
        doc = json.loads(text)
        if doc.get("first_response_at") and not doc.get("first_responder"):
            reply = _first_reply(conn, tenant_id, id)
            if reply is not None:
                doc["first_responder"] = first_responder(reply)
                conn.execute(
                    "UPDATE tickets SET doc = ? WHERE id = ?",
                    (json.dumps(doc, ensure_ascii=False), id),
                )
        if tenant_id not in zones:
            zones[tenant_id] = _timezone(conn, tenant_id)
        _put_ticket_facts(conn, tenant_id, id, ticket_facts(doc, zones[tenant_id]), None)


def backfill(conn: sqlite3.Connection) -> None:
    """Bring the facts up to FACTS_VERSION and the rollups up to ROLLUP_VERSION for data
    written before (once per version)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'facts_version'").fetchone()
    refreshed = row is None or int(row[0]) < FACTS_VERSION
    if refreshed:
        _backfill_facts(conn)
    row = conn.execute("SELECT value FROM meta WHERE key = 'rollup_version'").fetchone()
    if refreshed or row is None or int(row[0]) < ROLLUP_VERSION:
        rebuild_rollups(conn)
        conn.execute(
            "INSERT INTO meta(key, value) VALUES('rollup_version', ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(ROLLUP_VERSION),),
        )


def _backfill_facts(conn: sqlite3.Connection) -> None:
    _refresh_tickets(
        conn,
        "WHERE id NOT IN (SELECT id FROM ticket_facts WHERE v >= ?)",
        (FACTS_VERSION,),
    )
    conn.execute("DELETE FROM reply_facts")
    for tenant_id, text in conn.execute(
        "SELECT tenant_id, doc FROM entries WHERE json_extract(doc, '$.kind') = 'message'"
        " AND json_extract(doc, '$.author') = 'staff'"
    ).fetchall():
        entry = json.loads(text)
        if is_reply(entry):
            conn.execute(INSERT_REPLY, reply_row(tenant_id, entry))
    conn.execute(
        "INSERT INTO meta(key, value) VALUES('facts_version', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (str(FACTS_VERSION),),
    )


def _aggregate_sql(key: str, where: str = _PERIOD) -> str:
    ratings = ", ".join(f"total(rating = '{r}')" for r in RATINGS)
    return (
        f"SELECT held, {key}, count(*), total(qr),"
        " count(first_response), total(first_response <= ?),"
        " count(resolution), total(resolution <= ?),"
        f" {ratings}, total(nps >= 9), total(nps >= 7 AND nps < 9), total(nps < 7)"
        f" FROM ticket_facts WHERE {where} GROUP BY held, {key}"
    )


def _minutes_sql(key: str, label: str | None, where: str = _PERIOD) -> str:
    """Only each ticket's group key and minutes (and label, for points and agents), in
    time order (the table's own: no sort): ranked in the hub (a C-level sort per group),
    which costs a tenth of SQLite's window sorts; the last label seen is the latest."""
    if label is None:
        return (
            f"SELECT {key}, first_response, resolution, NULL FROM ticket_facts WHERE {where}"
            " AND held = 0 AND (first_response IS NOT NULL OR resolution IS NOT NULL)"
        )
    return (
        f"SELECT {key}, first_response, resolution, {label} FROM ticket_facts"
        f" WHERE {where} AND held = 0 ORDER BY created_at"
    )


Minutes = dict[Any, tuple[list[float], list[float]]]


def _minutes(rows: Sequence[Any]) -> tuple[Minutes, dict[Any, str]]:
    out: Minutes = {}
    labels: dict[Any, str] = {}
    for key, first, resolution, label in rows:
        lists = out.get(key)
        if lists is None:
            lists = out[key] = ([], [])
        if first is not None:
            lists[0].append(first)
        if resolution is not None:
            lists[1].append(resolution)
        if label is not None:
            labels[key] = label
    return out, labels


def _timing(count: int, within: float, values: list[float]) -> Timing:
    if not count:
        return Timing()
    median, p90 = nearest_ranks(values)
    return Timing(count, median, p90, int(within))


def _group(
    key: Any, row: Sequence[Any], label: str | None, minutes: tuple[list[float], list[float]]
) -> GroupFigures:
    count, qr, fr_n, fr_in, rs_n, rs_in = row[:6]
    rated = row[6 : 6 + len(RATINGS)]
    promoters, passives, detractors = row[6 + len(RATINGS) :]
    return GroupFigures(
        key=key,
        label=label,
        count=int(count),
        from_qr=int(qr),
        first_response=_timing(int(fr_n), fr_in, minutes[0]),
        resolution=_timing(int(rs_n), rs_in, minutes[1]),
        ratings={r: int(n) for r, n in zip(RATINGS, rated, strict=True)},
        promoters=int(promoters),
        passives=int(passives),
        detractors=int(detractors),
    )


def _summed(rows: list[Sequence[Any]]) -> list[float]:
    width = 6 + len(RATINGS) + 3
    return [sum(float(r[i]) for r in rows) for i in range(width)]


async def _all(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    cur = await db.execute(sql, params)
    rows = list(await cur.fetchall())
    await cur.close()
    return rows


async def ticket_figures(db: aiosqlite.Connection, query: StatsQuery) -> TicketFigures:
    """The statistics of one period, grouped as asked (see the module's docstring)."""
    key = GROUP_FACTS[query.by]  # a known column name: never text from a request
    rollups = query.binned and query.timezone and query.establishment is None
    days = _whole_days(query) if rollups else None
    if days is not None:
        rolled = await _rolled_figures(db, query, days)
        if rolled is not None:
            return rolled
    period: tuple[Any, ...] = (query.tenant_id, query.start, query.end)
    where = _PERIOD
    for fact, value in (
        ("category_group", query.category_group),
        ("establishment", query.establishment),
    ):
        if value is not None:
            where, period = f"{where} AND {fact} = ?", (*period, value)
    sla = (query.sla_minutes, query.sla_minutes)
    rows = await _all(db, _aggregate_sql(key, where), (*sla, *period))
    held = sum(int(r[2]) for r in rows if r[0])
    shown = {r[1]: r[2:] for r in rows if not r[0]}
    label = LABEL_FACTS.get(query.by)
    minutes, labels = _minutes(await _all(db, _minutes_sql(key, label, where), period))
    groups = [_group(k, row, labels.get(k), minutes.get(k, ([], []))) for k, row in shown.items()]
    every = (
        [v for first, _ in minutes.values() for v in first],
        [v for _, resolution in minutes.values() for v in resolution],
    )
    overall = _group(0, _summed(list(shown.values())), None, every)
    return TicketFigures(held, overall, groups)


async def _reply_rows(
    db: aiosqlite.Connection, tenant_id: str, start: str, end: str
) -> list[tuple[Any, ...]]:
    """Reply figures per agent in [start, end) from the facts, as reply_rollups rows
    (author_key, author_id, replies, steps..., name, name_at)."""
    steps = ", ".join(f"total((steps >> {i}) & 1)" for i in range(_S))
    rows = await _all(
        db,
        f"SELECT author_key, max(author_id), count(*), {steps} FROM reply_facts"
        f" WHERE {_PERIOD} GROUP BY author_key",
        (tenant_id, start, end),
    )
    names = await _all(
        db,
        "SELECT author_key, author_name, max(created_at) FROM reply_facts"
        f" WHERE {_PERIOD} AND author_name IS NOT NULL AND author_name != ''"
        " GROUP BY author_key",
        (tenant_id, start, end),
    )
    named = {r[0]: (r[1], r[2]) for r in names}
    return [(*r, *named.get(r[0], (None, None))) for r in rows]


async def reply_figures(
    db: aiosqlite.Connection, tenant_id: str, start: str, end: str
) -> list[AgentReplies]:
    """Per agent (by id, or by name for old replies): replies in [start, end) and how many
    covered each etiquette step; the name is the one on the agent's latest reply. The
    period's whole local days come from the reply rollups, its partial days from the facts."""
    zone = await _all(
        db, "SELECT json_extract(doc, '$.timezone') FROM tenants WHERE id = ?", (tenant_id,)
    )
    days = _whole_days(StatsQuery(tenant_id, start, end, "day", 0, zone[0][0] if zone else None))
    if days is None:
        rows = await _reply_rows(db, tenant_id, start, end)
    else:
        first, last, begins, ends = days
        rows = await _all(
            db,
            f"SELECT author_key, {', '.join(_REPLY_ROLLUP_COLUMNS)} FROM reply_rollups"
            " WHERE tenant_id = ? AND day >= ? AND day < ?",
            (tenant_id, first, last),
        )
        for lower, upper in ((start, begins), (ends, end)):
            if lower < upper:
                rows += await _reply_rows(db, tenant_id, lower, upper)
    agents: dict[str, list[Any]] = {}
    for key, author_id, replies, *rest in rows:
        steps, (name, name_at) = rest[:_S], rest[_S:]
        values = agents.get(key)
        if values is None:
            values = agents[key] = [author_id, 0, [0] * _S, None, ""]
        if author_id is not None and (values[0] is None or author_id > values[0]):
            values[0] = author_id
        values[1] += int(replies)
        values[2] = [a + int(b) for a, b in zip(values[2], steps, strict=True)]
        if name and name_at >= values[4]:
            values[3], values[4] = name, name_at
    return [
        AgentReplies(
            id=author_id,
            name=name,
            replies=replies,
            covered={s: n for s, n in zip(STEPS, steps, strict=True)},
        )
        for author_id, replies, steps, name, _ in agents.values()
    ]


def _whole_days(query: StatsQuery) -> tuple[str, str, str, str] | None:
    """The period's whole local days [first, last) and the UTC moments they begin and end
    at; None when it holds no whole day."""
    zone = zone_of(query.timezone)
    start = datetime.fromisoformat(query.start)
    end = datetime.fromisoformat(query.end)
    first = start.astimezone(zone).date()
    if datetime.combine(first, time(), zone) < start:
        first += timedelta(days=1)
    last = end.astimezone(zone).date()  # its midnight is never after `end`
    if first >= last:
        return None
    begins = datetime.combine(first, time(), zone).astimezone(UTC)
    ends = datetime.combine(last, time(), zone).astimezone(UTC)
    return first.isoformat(), last.isoformat(), iso(begins), iso(ends)


async def _rolled_figures(
    db: aiosqlite.Connection, query: StatsQuery, days: tuple[str, str, str, str]
) -> TicketFigures | None:
    """A long period from the rollups of its whole local days, and the facts of its partial
    first and last days; None when the rollups were counted against another promise."""
    first, last, begins, ends = days
    dims = (rollup_dim(query.by, query.category_group), rollup_dim(HELD, query.category_group))
    rows = await _all(
        db,
        f"SELECT dim, key, sla, {', '.join(_ROLLUP_COLUMNS)} FROM ticket_rollups"
        " WHERE tenant_id = ? AND dim IN (?, ?) AND day >= ? AND day < ?",
        (query.tenant_id, *dims, first, last),
    )
    if any(r[2] != query.sla_minutes for r in rows):
        return None
    edges: dict[tuple[str, str], Rollup] = {}
    for lower, upper in ((query.start, begins), (ends, query.end)):
        if lower >= upper:
            continue
        facts_rows = await _all(
            db, f"{_FACT_SELECT} WHERE {_PERIOD}", (query.tenant_id, lower, upper)
        )
        for row in facts_rows:
            facts = _facts_of(row)
            for dim, key, label in rollup_keys(facts):
                if dim in dims:
                    slot = (dim, json.dumps(key))
                    edges.setdefault(slot, Rollup()).add(facts, label, query.sla_minutes)
    every = [(r[0], r[1], *r[3:]) for r in rows]
    every += [(dim, key, *_rollup_values(r)) for (dim, key), r in edges.items()]
    return _merged(every, dims[1])


def _rollup_values(r: Rollup) -> tuple[Any, ...]:
    return (*r.counts, r.label, r.label_at, pack_histogram(r.first), pack_histogram(r.resolution))


def _merged(rows: list[tuple[Any, ...]], held_dim: str = HELD) -> TicketFigures:
    """Sum rollup rows (dim, key, COUNTERS..., label, label_at, fr_hist, rs_hist) per key:
    counters added, histograms merged (numpy), the latest label kept."""
    held = sum(int(r[2]) for r in rows if r[0] == held_dim)
    shown = [r for r in rows if r[0] != held_dim]
    keys: dict[str, int] = {}
    labels: dict[int, tuple[str, str]] = {}
    index = np.empty(len(shown), dtype=np.int64)
    for i, r in enumerate(shown):
        k = index[i] = keys.setdefault(r[1], len(keys))
        label, label_at = r[2 + _N], r[3 + _N]
        if label is not None and (k not in labels or labels[k][1] <= label_at):
            labels[k] = (label, label_at)
    size = len(keys)
    sums = np.zeros((size, _N), dtype=np.int64)
    if shown:
        np.add.at(sums, index, np.array([r[2 : 2 + _N] for r in shown], dtype=np.int64))
    histograms = [_histograms(shown, index, size, 4 + _N + m) for m in (0, 1)]
    groups = []
    for key, k in keys.items():
        label = labels[k][0] if k in labels else None
        groups.append(_rolled_group(json.loads(key), label, sums[k], histograms, k))
    total = sums.sum(axis=0) if size else np.zeros(_N, dtype=np.int64)
    overall_hist = [h.sum(axis=0, keepdims=True) for h in histograms]
    overall = _rolled_group(0, None, total, overall_hist, 0)
    return TicketFigures(held, overall, groups)


def _histograms(rows: list[tuple[Any, ...]], index: Any, size: int, column: int) -> Any:
    """A (keys x bins) matrix of counts from every row's packed histogram."""
    blobs = [r[column] or b"" for r in rows]
    lengths = np.array([len(b) // 8 for b in blobs], dtype=np.int64)
    pairs = np.frombuffer(b"".join(blobs), dtype=np.uint32).reshape(-1, 2).astype(np.int64)
    width = int(pairs[:, 0].max()) + 1 if len(pairs) else 1
    owners = np.repeat(index, lengths)
    flat = np.bincount(owners * width + pairs[:, 0], weights=pairs[:, 1], minlength=size * width)
    return flat.reshape(size, width).astype(np.int64)


def _rank_bin(cumulative: Any, rank: int) -> float:
    return bin_value(int(np.searchsorted(cumulative, rank)))


def _rolled_timing(count: int, within: int, histogram: Any) -> Timing:
    if not count:
        return Timing()
    cumulative = np.cumsum(histogram)
    n = int(cumulative[-1])
    if not n:
        return Timing(count, None, None, within)
    median = _rank_bin(cumulative, (n + 1) // 2)
    return Timing(count, median, _rank_bin(cumulative, (9 * n + 9) // 10), within)


def _rolled_group(
    key: Any, label: str | None, sums: Any, histograms: list[Any], k: int
) -> GroupFigures:
    c = [int(v) for v in sums]
    promoters, passives, detractors = c[_N - 3 :]
    return GroupFigures(
        key=key,
        label=label,
        count=c[0],
        from_qr=c[1],
        first_response=_rolled_timing(c[2], c[3], histograms[0][k]),
        resolution=_rolled_timing(c[4], c[5], histograms[1][k]),
        ratings={r: c[6 + i] for i, r in enumerate(RATINGS)},
        promoters=promoters,
        passives=passives,
        detractors=detractors,
    )
