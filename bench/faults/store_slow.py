"""Fault (g): the store slowed to 500 ms writes: intake answers 503 rather than emitting
what is not stored.

One hub instance, embedded (SQLite), with `HUB_STORE_TIMEOUT=--store-timeout`. For
`--slow` seconds another connection (a thread of this script, as another process would)
takes the file's write lock again and again, holding it `--hold` seconds (500 ms) each time
with `--gap` seconds between: every write of the hub waits up to 500 ms, longer than it may,
and gets StoreUnavailable (503 with Retry-After), unless it lands in a gap. SOS are posted
at `--rate` before, during and after; in the middle of the slow spell `--drop` of the
consoles lose their connection for 2 s, so their `resume` meets the slow store too.

Checked at the end, against the SQLite file itself: every SOS answered 201 reached every
console; every ticket a console received is stored (nothing emitted that was not stored).
Prints the parameters, the answers (201 / 503 / other), what the consoles received, the
stored tickets that were answered 503 (a store that committed as the wait ran out), CPU
seconds, and `lost=N` (console × SOS pairs missing plus events received that are not
stored). Exits 1 if N > 0.

    python bench/faults/store_slow.py
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
import time

from kit import (
    Consoles,
    Hubs,
    Poster,
    add_phases,
    base_parser,
    cpu_s,
    delivery_rows,
    log,
    make_workdir,
    run_main,
    teardown,
    verdict,
)


def hold_writes(path: str, hold: float, gap: float, stop: threading.Event, held: list[int]) -> None:
    """Take the write lock for `hold` s, let go for `gap` s, until `stop`."""
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        while not stop.is_set():
            con.execute("BEGIN IMMEDIATE")
            time.sleep(hold)
            con.execute("COMMIT")
            held[0] += 1
            time.sleep(gap)
    finally:
        con.close()


async def run(args) -> int:
    workdir = make_workdir(args.keep)
    hubs = Hubs(workdir, extra_env={"HUB_STORE_TIMEOUT": str(args.store_timeout)})
    consoles: Consoles | None = None
    stop = threading.Event()
    try:
        await hubs.up(1)
        consoles = Consoles(hubs, args.consoles)
        await consoles.start()
        st = await consoles.wait_connected(args.consoles)
        log(f"consoles: {st['connected']} connected")
        poster = Poster([hubs.url(0)], hubs.origin, args.rate)
        cpu0 = cpu_s(hubs.pid(0))
        held = [0]
        fault = {"t": 0.0}

        async def slow() -> None:
            await asyncio.sleep(args.before)
            fault["t"] = time.monotonic()
            log(f"store slowed: write lock held {args.hold} s, free {args.gap} s, {args.slow} s")
            locker = threading.Thread(
                target=hold_writes,
                args=(f"{workdir}/hub.db", args.hold, args.gap, stop, held),
                daemon=True,
            )
            locker.start()
            await asyncio.sleep(args.slow / 2)
            answer = await consoles.ask({"cmd": "drop", "fraction": args.drop, "seconds": 2.0})
            log(f"dropped {answer['dropped']} consoles for 2 s")
            await asyncio.sleep(args.slow / 2)
            stop.set()
            await asyncio.to_thread(locker.join)
            log("store fast again")

        slower = asyncio.create_task(slow())
        await poster.run(args.before + args.slow + args.after)
        await slower
        ids = poster.created()
        check, waited = await consoles.settle(ids, args.grace)
        status = await consoles.quiesce()
        delivered, lost, stored = delivery_rows(
            check, poster, args.consoles, workdir, fault["t"], "expected deliveries (201s)"
        )
        answered = set(ids)
        stored_not_201 = len(stored - answered)
        during = [r for r in poster.records if fault["t"] <= r["t"] < fault["t"] + args.slow]
        during_503 = sum(r["status"] == 503 for r in during)
        return verdict(
            [
                *poster.rows(p99=False),
                ("answered 503 while slow", f"{during_503} of {len(during)}"),
                ("POST p99 ms", f"{poster.p99_ms():.0f}"),
                ("write-lock spells", held[0]),
                ("tickets stored", len(stored)),
                ("stored but not answered 201", stored_not_201),
                ("consoles", f"{args.consoles}, connected now {status['connected']}"),
                *delivered,
                ("resumes / resume.done", f"{status['resumes']} / {status['resume_done']}"),
                ("settled after posting", f"{waited:.1f} s"),
                (
                    "CPU s hub / consoles",
                    f"{cpu_s(hubs.pid(0)) - cpu0:.1f} / {status['cpu_s']:.1f}",
                ),
                ("hub log: resume retried (store busy)", hubs.grep_log(0, "store is busy")),
            ],
            lost,
        )
    finally:
        stop.set()
        await teardown(consoles, hubs, workdir, args.keep)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--consoles", type=int, default=200)
    p.add_argument("--rate", type=float, default=10.0, help="SOS per second")
    p.add_argument("--hold", type=float, default=0.5, help="seconds each write-lock spell")
    p.add_argument("--gap", type=float, default=0.05, help="seconds between spells")
    p.add_argument("--slow", type=float, default=10.0, help="seconds the store stays slow")
    p.add_argument("--store-timeout", type=float, default=0.3, help="HUB_STORE_TIMEOUT")
    p.add_argument("--drop", type=float, default=0.10, help="share of consoles dropped")
    add_phases(p, before=3.0, after=5.0, grace=60.0)
    return run_main(p, "fault: the store slowed to 500 ms writes", run)


if __name__ == "__main__":
    sys.exit(main())
