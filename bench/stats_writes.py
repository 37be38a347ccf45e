"""CPU per ticket write with the statistics facts and rollups (hub/store/sqlite_stats.py).

Each phase runs the store's own write functions (`_insert_now`, `_update_now`, the purge's
`forget_facts`) for every ticket, one SQLite transaction each, on a fresh WAL file, and
prints the CPU time per write. Run it on two trees to compare (the rollups' cost):

    PYTHONPATH=/path/to/main python bench/stats_writes.py
    python bench/stats_writes.py --tickets 3000 --path /dev/shm/writes.db
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.store import sqlite as store
from hub.store import sqlite_stats


def _later(created: str, minutes: float) -> str:
    moment = datetime.fromisoformat(created) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds")


def _purge(conn: sqlite3.Connection, id: str) -> None:
    conn.execute("DELETE FROM tickets WHERE id = ?", (id,))
    if sqlite_stats.forget_facts.__code__.co_argcount == 4:  # since the rollups
        sqlite_stats.forget_facts(conn, "t", "tickets", id)  # type: ignore[call-arg]
    else:
        sqlite_stats.forget_facts(conn, "tickets", id)  # type: ignore[call-arg]


def main(args: argparse.Namespace) -> None:
    path = Path(args.path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in store._schema_statements():
        conn.execute(statement)
    tenant = {"id": "t", "timezone": "Europe/Madrid", "sla_hours": 2}
    store._insert_now(conn, "t", "tenants", tenant)
    rng = random.Random(1)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    docs: list[dict[str, Any]] = []
    for i in range(args.tickets):
        created = (start + timedelta(seconds=i * 37)).isoformat(timespec="milliseconds")
        docs.append(
            {
                "id": f"x{i}",
                "number": i + 1,
                "thread_token": f"token-{i}",
                "created_at": created,
                "status": "new",
                "category": None,
                "point": {"code": f"P{i % 40}", "label": f"Point {i % 40}"},
                "source": "qr",
                "language": "es",
                "establishment": "centre",
                "department": "bar",
                "held": False,
            }
        )

    def phase(name: str, write: Callable[[dict[str, Any]], Any]) -> None:
        cpu = time.process_time()
        for doc in docs:
            conn.execute("BEGIN IMMEDIATE")
            write(doc)
            conn.execute("COMMIT")
        spent = (time.process_time() - cpu) / len(docs) * 1e6
        print(f"  {name:<28} cpu {spent:5.0f} µs/write  (load {os.getloadavg()[0]:.1f})")

    phase("insert", lambda d: store._insert_now(conn, "t", "tickets", d))
    phase(
        "update: nothing counted",
        lambda d: store._update_now(conn, "t", "tickets", d["id"], {"message_count": 2}),
    )
    phase(
        "update: first reply",
        lambda d: store._update_now(
            conn,
            "t",
            "tickets",
            d["id"],
            {
                "status": "open",
                "first_response_at": _later(d["created_at"], rng.expovariate(1 / 90)),
                "first_responder": {"id": "u1", "name": "Ana"},
            },
        ),
    )
    phase(
        "update: resolved + survey",
        lambda d: store._update_now(
            conn,
            "t",
            "tickets",
            d["id"],
            {
                "status": "resolved",
                "resolved_at": _later(d["created_at"], 300),
                "survey": {"rating": "good", "nps": 9},
            },
        ),
    )
    phase(
        "staff reply (entry)",
        lambda d: store._insert_now(
            conn,
            "t",
            "entries",
            {
                "id": f"e-{d['id']}",
                "ticket_id": d["id"],
                "kind": "message",
                "author": "staff",
                "author_id": "u1",
                "author_name": "Ana",
                "etiquette": ["greeting"],
                "created_at": d["created_at"],
            },
        ),
    )
    phase("privacy purge", lambda d: _purge(conn, d["id"]))
    conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=3000)
    parser.add_argument("--path", default="/tmp/bench-stats-writes.db")
    main(parser.parse_args())
