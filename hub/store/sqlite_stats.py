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

Counts are one `GROUP BY held, <fact>`. Median and 90th percentile are exact nearest-rank
(ranks ceil(n/2) and ceil(0.9 n)): one scan of the period sends only each ticket's group key
and its two minutes, and the hub sorts each group's list. Measured at 1,000,000 tickets
(bench/stats.py), SQLite's window functions (`row_number` over `PARTITION BY <fact> ORDER BY
minutes`, and again for the whole period) cost about ten times the CPU of this for the same
exact answer: its sorter is slow next to Python's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import aiosqlite

from hub.ports import AgentReplies, Doc, GroupFigures, StatsQuery, TicketFigures, Timing
from hub.tickets.etiquette import STEPS, ordered
from hub.tickets.facts import (
    COLUMNS,
    FACTS_VERSION,
    GROUP_FACTS,
    LABEL_FACTS,
    first_responder,
    nearest_ranks,
    ticket_facts,
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


def write_facts(conn: sqlite3.Connection, tenant_id: str, collection: str, doc: Doc) -> None:
    """Keep the facts of a ticket or a staff reply that was just written (same transaction)."""
    if collection == "tickets":
        conn.execute("DELETE FROM ticket_facts WHERE id = ?", (doc["id"],))
        facts = ticket_facts(doc, _timezone(conn, tenant_id))
        if facts is not None:
            conn.execute(INSERT_TICKET, ticket_row(tenant_id, doc["id"], facts))
    elif collection == "entries":
        conn.execute("DELETE FROM reply_facts WHERE id = ?", (doc["id"],))
        if is_reply(doc):
            conn.execute(INSERT_REPLY, reply_row(tenant_id, doc))
    elif collection == "tenants" and doc.get("id") == tenant_id:
        stale = conn.execute(
            "SELECT 1 FROM ticket_facts WHERE tenant_id = ? AND tz IS NOT ? LIMIT 1",
            (tenant_id, str(doc.get("timezone") or "UTC")),
        ).fetchone()
        if stale:  # the business moved to another time zone: its local buckets move too
            _refresh_tickets(conn, "WHERE tenant_id = ?", (tenant_id,))


def forget_facts(conn: sqlite3.Connection, collection: str, id: str) -> None:
    """Drop the facts of a deleted ticket or entry."""
    if collection == "tickets":
        conn.execute("DELETE FROM ticket_facts WHERE id = ?", (id,))
    elif collection == "entries":
        conn.execute("DELETE FROM reply_facts WHERE id = ?", (id,))


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
        conn.execute("DELETE FROM ticket_facts WHERE id = ?", (id,))
        facts = ticket_facts(doc, zones[tenant_id])
        if facts is not None:
            conn.execute(INSERT_TICKET, ticket_row(tenant_id, id, facts))


def backfill(conn: sqlite3.Connection) -> None:
    """Bring the facts up to FACTS_VERSION for data written before (once per version)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'facts_version'").fetchone()
    if row is not None and int(row[0]) >= FACTS_VERSION:
        return
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


def _aggregate_sql(key: str) -> str:
    ratings = ", ".join(f"total(rating = '{r}')" for r in RATINGS)
    return (
        f"SELECT held, {key}, count(*), total(qr),"
        " count(first_response), total(first_response <= ?),"
        " count(resolution), total(resolution <= ?),"
        f" {ratings}, total(nps >= 9), total(nps >= 7 AND nps < 9), total(nps < 7)"
        f" FROM ticket_facts WHERE {_PERIOD} GROUP BY held, {key}"
    )


def _minutes_sql(key: str, label: str | None) -> str:
    """Only each ticket's group key and minutes (and label, for points and agents), in
    time order (the table's own: no sort): ranked in the hub (a C-level sort per group),
    which costs a tenth of SQLite's window sorts; the last label seen is the latest."""
    if label is None:
        return (
            f"SELECT {key}, first_response, resolution, NULL FROM ticket_facts WHERE {_PERIOD}"
            " AND held = 0 AND (first_response IS NOT NULL OR resolution IS NOT NULL)"
        )
    return (
        f"SELECT {key}, first_response, resolution, {label} FROM ticket_facts"
        f" WHERE {_PERIOD} AND held = 0 ORDER BY created_at"
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
    period = (query.tenant_id, query.start, query.end)
    sla = (query.sla_minutes, query.sla_minutes)
    rows = await _all(db, _aggregate_sql(key), (*sla, *period))
    held = sum(int(r[2]) for r in rows if r[0])
    shown = {r[1]: r[2:] for r in rows if not r[0]}
    label = LABEL_FACTS.get(query.by)
    minutes, labels = _minutes(await _all(db, _minutes_sql(key, label), period))
    groups = [_group(k, row, labels.get(k), minutes.get(k, ([], []))) for k, row in shown.items()]
    every = (
        [v for first, _ in minutes.values() for v in first],
        [v for _, resolution in minutes.values() for v in resolution],
    )
    overall = _group(0, _summed(list(shown.values())), None, every)
    return TicketFigures(held, overall, groups)


async def reply_figures(
    db: aiosqlite.Connection, tenant_id: str, start: str, end: str
) -> list[AgentReplies]:
    """Per agent (by id, or by name for old replies): replies in [start, end) and how many
    covered each etiquette step; the name is the one on the agent's latest reply."""
    steps = ", ".join(f"total((steps >> {i}) & 1)" for i in range(len(STEPS)))
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
    named = {r[0]: r[1] for r in names}
    return [
        AgentReplies(
            id=r[1],
            name=named.get(r[0]),
            replies=int(r[2]),
            covered={s: int(n) for s, n in zip(STEPS, r[3:], strict=True)},
        )
        for r in rows
    ]
