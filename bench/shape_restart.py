"""5,000 consoles reconnecting at once after an instance restart.

One hub instance (embedded mode) with --consoles consoles over --businesses businesses.
The consoles reconnect like the web console's socket.io client (first try after 0.5-1.5 s,
then doubling to 5 s, each ± 50 %) and `resume` from their last seq. The run posts --before
SOS, then restarts the instance (SIGTERM, uvicorn's graceful shutdown, and a new process on
the same port and SQLite file), and from the moment it answers /healthz posts SOS at
--rate until every console is back, and --after seconds more. Printed: how long until every
console was connected again and had its `resume.done` (from the SIGTERM, and from the new
instance's first /healthz), reconnection attempts that failed and why, the new instance's
CPU during the storm, and what was lost: every console must have every SOS of its
business accepted before or after the restart, exactly once (an SOS posted while it was
away comes by the replay).

    python bench/shape_restart.py                       # 5,000 consoles over 1,000 businesses
    python bench/shape_restart.py --consoles 500 --businesses 100
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

from shapes_kit import (
    Machine,
    ask_all,
    close_all,
    log,
    lost_per_client,
    machine_line,
    post_figures,
    post_open_loop,
    print_errors,
    run_shape,
    seeded_hub,
    shape_parser,
    spawn_console_procs,
    wait_back,
    wait_received,
    warm_up,
)


async def run(args: argparse.Namespace) -> int:
    businesses, hub = await seeded_hub(args.db_dir, args.businesses)
    procs: list = []
    rng = random.Random(4)

    def sos_batch(n: int) -> list[dict]:
        recs = [{"biz": rng.randrange(args.businesses)} for _ in range(n)]
        for r in recs:
            r["point"] = businesses[r["biz"]].point
        return recs

    try:
        log(f"hub: starting on {hub.base}")
        await hub.up()
        await warm_up(hub.base, [b.point for b in businesses])
        n = args.consoles
        procs, ready = await spawn_console_procs(
            hub,
            [b.token for b in businesses],
            n,
            args.procs,
            reconnect=True,
            summary=True,
        )
        log(f"{ready['connected']}/{n} connected, failed {ready['failed']}")
        await asyncio.sleep(2)
        await ask_all(procs, "reset")
        before = sos_batch(args.before)
        await post_open_loop(hub.base, 10.0, before, first=100)
        await wait_received(procs, len(before) * n // args.businesses, 5)

        log("restarting the instance (SIGTERM, then a new process on the same port)")
        t_kill = time.monotonic()
        stop_s, killed = await asyncio.to_thread(hub.stop)
        old_exit = hub.proc.returncode
        up_s = await hub.up()
        t_healthy = time.monotonic()
        log(f"stopped in {stop_s:.1f} s (exit {old_exit}), healthy again {up_s:.1f} s later")
        machine = Machine([hub.proc.pid], [cp.proc.pid for cp in procs])
        stop_posting = asyncio.Event()
        after = sos_batch(int(args.rate * 3600))
        poster = asyncio.create_task(
            post_open_loop(hub.base, args.rate, after, first=1000, stop=stop_posting)
        )
        back = await wait_back(procs, n, args.limit)
        t_back = back["last_back"] or time.monotonic()
        m = machine.close()
        log(f"{back['connected']}/{n} back; posting {args.after:.0f} s more")
        await asyncio.sleep(args.after)
        stop_posting.set()
        await poster
        recs = before + [r for r in after if "t_send" in r]
        posts = post_figures(recs)
        accepted = [r for r in recs if r.get("status") == 201]
        per_token: dict[str, int] = {}
        for r in accepted:
            tok = businesses[r["biz"]].token
            per_token[tok] = per_token.get(tok, 0) + 1
        expected = sum(per_token.values()) * n // args.businesses
        await wait_received(procs, expected, args.grace)
        reports = await ask_all(procs, "report", 300)
        loss = lost_per_client(reports, ready["tokens_of"], per_token)
        reasons: dict[str, int] = {}
        for rep in reports:
            for k, v in rep["reconnect_reasons"].items():
                reasons[k] = reasons.get(k, 0) + v
        reconnects = sum(rep["reconnects"] for rep in reports)
        failures = sum(rep["reconnect_failures"] for rep in reports)
        replayed = sum(rep["replayed"] for rep in reports)
        errors = hub.errors_in_log()
        server = m["server_cpu_s"][0]

        print(f"\n=== {n} consoles over {args.businesses} businesses: instance restart")
        print(
            f"  restart                   SIGTERM → exit in {stop_s:.1f} s"
            f" (exit status {old_exit}{', killed' if killed else ''}),"
            f" new instance healthy {up_s:.1f} s later"
        )
        print(
            f"  all back (resume.done)    {t_back - t_healthy:.1f} s after the new instance's"
            f" first /healthz, {t_back - t_kill:.1f} s after the SIGTERM;"
            f" {back['connected']}/{n} connected, {back['resuming']} still resuming"
        )
        print(
            f"  reconnections             {reconnects} made, {failures} attempts failed"
            f" {reasons or ''}"
        )
        print(
            f"  new instance CPU          {server:.1f} s until all were back"
            f" ({1e3 * server / max(1, reconnects):.2f} ms per reconnection, resume included);"
            f" clients {m['clients_cpu_s']:.1f} s"
        )
        print(f"  {machine_line(m)}")
        print(
            f"  SOS                       {posts['accepted']}/{len(recs)} accepted"
            f" ({len(before)} before, {len(recs) - len(before)} after the restart),"
            f" refused {posts['refused']} {posts['errors'] or ''};"
            f" POST→201 p99 {posts['post_p99_ms'] or 0:.1f} ms"
        )
        print(
            f"  LOST {loss['lost']} (consoles short: {loss['consoles_short']}), twice"
            f" {loss['twice']} (dropped by seq), replayed {replayed};"
            f" hub errors logged {len(errors)}"
        )
        print_errors(errors)
        all_back = back["connected"] >= n and back["resuming"] == 0
        bad = loss["lost"] or posts["refused"] or errors or not all_back
        return 1 if bad else 0
    finally:
        await close_all(procs, hub)


def main() -> int:
    p = shape_parser(__doc__)
    p.add_argument("--consoles", type=int, default=5000)
    p.add_argument("--businesses", type=int, default=1000)
    p.add_argument("--procs", type=int, default=2, help="load-client processes")
    p.add_argument("--before", type=int, default=50, help="SOS before the restart")
    p.add_argument("--rate", type=float, default=5.0, help="SOS/s from the restart on")
    p.add_argument("--after", type=float, default=5.0, help="s of posting once all are back")
    p.add_argument("--limit", type=float, default=300.0, help="longest wait for all to be back")
    return run_shape(p, run, grace=20.0)


if __name__ == "__main__":
    sys.exit(main())
