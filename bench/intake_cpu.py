"""The CPU one SOS costs the hub's process, end to end, without the HTTP server or consoles.

Builds the hub in-process on a fresh SQLite file (embedded mode, rate limits off, the
language detector's child process started and waited for), creates one business
(language `en`, like `fanout.py`'s) and one access point, then posts `--count` SOS through
Quart's test client, `--concurrency` at a time, each from another device (the texts of
`fanout.py`). Every routing job is waited for. It prints the process's CPU time
(utime+stime, all its threads: the event loop and SQLite's) per SOS, the detector child's
CPU per SOS apart, the store trips per SOS (the hops to SQLite's thread), how
many SOS were pushed twice (a `ticket.updated` after `ticket.created`: the routing job
found the language the intake did not) and how many were stored without a language.
It also prints the statistics facts' share (`write_facts`: the facts rows and per-day
rollups written with each ticket and reply, in the same transaction, on SQLite's thread):
its thread CPU per SOS and its calls per SOS.

CPU time is what a busy machine disturbs least; uvicorn's HTTP parsing and the fan-out to
consoles are left out (`fanout.py --clients 20` measures the whole server).

    python bench/intake_cpu.py                       # 600 SOS, 10 at a time
    python bench/intake_cpu.py --count 1000 --concurrency 1
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from fanout import sos_text  # noqa: E402

from hub.accounts.services import create_point, create_tenant  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.store import sqlite_stats  # noqa: E402
from hub.store.sqlite import SqliteStore  # noqa: E402
from hub.translate import detect  # noqa: E402


def cpu_s(pid: int | None = None) -> float:
    """utime+stime of a process (this one by default), in seconds."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="sos-intake-cpu-", dir=args.db_dir)
    settings = dataclasses.replace(
        Settings.from_env({}),
        database_url=f"sqlite:///{tmp}/hub.db",
        secret_key="bench",
        public_url="http://hub.bench",
        secure_cookies=False,
        rate_limits=False,
    )
    hub = create_app(settings)
    trips = 0
    # What wakes SQLite's thread: `_in_thread`, where it exists (every read and write goes
    # through it; a read answered on the event loop does not). In older checkouts: a read,
    # several reads at once (`read_many`), a write transaction; `_read` is not counted where
    # it hands its statement to `_read_batch` (counted once, not twice).
    if hasattr(SqliteStore, "_in_thread"):
        tripping = ["_in_thread"]
    else:
        tripping = [n for n in ("_read", "_read_batch", "_atomic") if hasattr(SqliteStore, n)]
    originals = {n: getattr(SqliteStore, n) for n in tripping}

    def counted(original: Any) -> Any:
        async def trip(self: SqliteStore, *a: Any) -> Any:
            nonlocal trips
            trips += 1
            return await original(self, *a)

        return trip

    facts_calls, facts_cpu = 0, 0.0
    write_facts = sqlite_stats.write_facts

    def timed_facts(*a: Any) -> None:
        nonlocal facts_calls, facts_cpu
        t0 = time.thread_time()  # SQLite's thread: only its own CPU
        try:
            write_facts(*a)
        finally:
            facts_cpu += time.thread_time() - t0
            facts_calls += 1

    async with hub.quart.test_app():
        tenant = await create_tenant(hub.store, slug="bench", name="Bench", language="en")
        point = await create_point(hub.store, tenant, code="bench1", label="Bench")
        child = detect.detector_process()
        deadline = time.monotonic() + 300
        # polled: the same script measures a checkout from before the detector's async API
        while not child.ready() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        client = hub.quart.test_client()

        async def post(i: int) -> None:
            r = await client.post(
                "/api/v1/sos",
                json={"point": point["code"], "anonymous": True, "text": sos_text(i)},
                headers={"Cookie": f"sos_device={uuid.uuid4().hex}"},
            )
            if r.status_code != 201:
                raise RuntimeError(f"SOS {i}: HTTP {r.status_code} {await r.get_data()!r}")

        for i in range(5):  # warm-up: imports, caches, the first statements
            await post(10_000 + i)
        await settle(hub, tenant["id"])
        for name, original in originals.items():
            setattr(SqliteStore, name, counted(original))
        sqlite_stats.write_facts = timed_facts
        child_pid = child._proc.pid
        c0, h0, w0 = cpu_s(), cpu_s(child_pid), time.monotonic()
        for start in range(0, args.count, args.concurrency):
            await asyncio.gather(
                *(post(i) for i in range(start, min(args.count, start + args.concurrency)))
            )
        await settle(hub, tenant["id"])
        c1, h1, w1 = cpu_s(), cpu_s(child_pid), time.monotonic()
        for name, original in originals.items():
            setattr(SqliteStore, name, original)
        sqlite_stats.write_facts = write_facts
        events = await hub.store.find(tenant["id"], "events", {"name": "ticket.updated"})
        tickets = await hub.store.find(tenant["id"], "tickets")
        no_language = sum(1 for t in tickets if not t.get("language"))
    n = args.count
    return {
        "sos": n,
        "cpu_ms_per_sos": 1000 * (c1 - c0) / n,
        "detector_cpu_ms_per_sos": 1000 * (h1 - h0) / n,
        "store_trips_per_sos": trips / n,
        "facts_ms_per_sos": 1000 * facts_cpu / n,
        "facts_calls_per_sos": facts_calls / n,
        "pushed_twice": len(events),
        "without_language": no_language,
        "wall_s": w1 - w0,
        "loadavg": os.getloadavg(),
    }


async def settle(hub: Any, tenant_id: str, limit_s: float = 120.0) -> None:
    """Wait until every ticket's routing job has finished (route_state done)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not await hub.store.find(tenant_id, "tickets", {"route_state": "pending"}):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("routing jobs still pending")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--count", type=int, default=600)
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument("--db-dir", default=None, help="where the SQLite file goes (e.g. /dev/shm)")
    args = p.parse_args()
    before = set(Path(args.db_dir or tempfile.gettempdir()).glob("sos-intake-cpu-*"))
    try:
        r = asyncio.run(run(args))
    finally:
        for made in (
            set(Path(args.db_dir or tempfile.gettempdir()).glob("sos-intake-cpu-*")) - before
        ):
            shutil.rmtree(made, ignore_errors=True)
    print(
        f"{r['sos']} SOS, {args.concurrency} at a time: "
        f"{r['cpu_ms_per_sos']:.2f} ms of hub CPU per SOS (process utime+stime, all threads), "
        f"detector child {r['detector_cpu_ms_per_sos']:.2f} ms; "
        f"{r['store_trips_per_sos']:.1f} store trips per SOS; "
        f"statistics facts {r['facts_ms_per_sos']:.3f} ms in "
        f"{r['facts_calls_per_sos']:.1f} writes per SOS; "
        f"pushed twice: {r['pushed_twice']}; stored without a language: "
        f"{r['without_language']} of {r['sos'] + 5}; {r['wall_s']:.1f} s; "
        f"load average {r['loadavg'][0]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
