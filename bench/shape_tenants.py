"""Many businesses, a few consoles each: 1,000 businesses × 5 consoles, 50 SOS/s over them.

One hub instance (embedded mode: SQLite, no Redis). The businesses are written straight
into the SQLite file (bench/shapes_kit.seed), each with an agent and an access point; every
console logs in with its business's agent token, so each SOS reaches exactly the five
consoles of its business. SOS are posted open loop at --rate, each to a business picked at
random (seeded), for --duration seconds. Printed: the ingest rate (SOS accepted per second),
POST→201 p50/p99, POST→console p50/p99 (every delivery) and to the last of the five
consoles, the hub's CPU per SOS, and what was lost: every console must have had every SOS
of its business, exactly once.

    python bench/shape_tenants.py                       # 1,000 × 5, 50 SOS/s, 60 s
    python bench/shape_tenants.py --businesses 100 --duration 10    # a quick check
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
    fmt_ms,
    log,
    lost_per_client,
    machine_line,
    merge_times,
    pct,
    post_figures,
    post_open_loop,
    print_errors,
    rss_kb,
    run_shape,
    seeded_hub,
    shape_parser,
    spawn_console_procs,
    wait_received,
    warm_up,
)


async def run(args: argparse.Namespace) -> int:
    businesses, hub = await seeded_hub(args.db_dir, args.businesses)
    procs = []
    try:
        log(f"hub: starting on {hub.base}")
        await hub.up()
        rss0 = rss_kb(hub.proc.pid)
        n = args.businesses * args.consoles
        log(f"connecting {n} consoles ({args.consoles} per business)")
        t0 = time.monotonic()
        procs, ready = await spawn_console_procs(hub, [b.token for b in businesses], n, args.procs)
        log(
            f"{ready['connected']}/{n} connected in {time.monotonic() - t0:.1f} s,"
            f" failed {ready['failed']} {ready['fail_reasons'] or ''}"
        )
        rss1 = rss_kb(hub.proc.pid)
        await warm_up(hub.base, [b.point for b in businesses])
        await asyncio.sleep(1)
        await ask_all(procs, "reset")

        rng = random.Random(15)
        count = int(args.rate * args.duration)
        picks = [rng.randrange(args.businesses) for _ in range(count)]
        recs = [{"point": businesses[p].point, "biz": p} for p in picks]
        machine = Machine([hub.proc.pid], [cp.proc.pid for cp in procs])
        log(f"posting {count} SOS at {args.rate}/s over {args.businesses} businesses")
        await post_open_loop(hub.base, args.rate, recs)
        posts = post_figures(recs)
        accepted = [r for r in recs if r.get("status") == 201]
        expected = len(accepted) * args.consoles
        got = await wait_received(procs, expected, args.grace)
        m = machine.close()
        reports = await ask_all(procs, "report")

        per_token: dict[str, int] = {}
        for r in accepted:
            tok = businesses[r["biz"]].token
            per_token[tok] = per_token.get(tok, 0) + 1
        loss = lost_per_client(reports, ready["tokens_of"], per_token)
        times = merge_times(reports)
        per_delivery, to_last = [], []
        for r in accepted:
            ts = times.get(r["key"], [])
            per_delivery.extend((t - r["t_send"]) * 1e3 for t in ts)
            if ts:
                to_last.append((max(ts) - r["t_send"]) * 1e3)
        drops = sum(rep["drops"] for rep in reports)
        server_cpu = m["server_cpu_s"][0]
        errors = hub.errors_in_log()

        print(f"\n=== {args.businesses} businesses × {args.consoles} consoles, {args.rate} SOS/s")
        print(f"  consoles connected        {ready['connected']}/{n} (failed {ready['failed']})")
        print(
            f"  hub RSS                   {rss0 / 1024:.0f} MB → {rss1 / 1024:.0f} MB with the"
            f" consoles ({(rss1 - rss0) / max(1, ready['connected']):.1f} KB each)"
        )
        print(
            f"  SOS                       {posts['accepted']}/{count} accepted,"
            f" ingest {posts['accepted_per_s']:.1f} SOS/s, refused {posts['refused']}"
            f" {posts['errors'] or ''}"
        )
        print(
            f"  POST→201                  p50 {fmt_ms(posts['post_p50_ms'])}"
            f"  p99 {fmt_ms(posts['post_p99_ms'])}  max {fmt_ms(posts['post_max_ms'])}"
        )
        print(
            f"  POST→console (each)       p50 {fmt_ms(pct(per_delivery, 50))}"
            f"  p99 {fmt_ms(pct(per_delivery, 99))}  max {fmt_ms(max(per_delivery, default=None))}"
        )
        print(
            f"  POST→last of its consoles p50 {fmt_ms(pct(to_last, 50))}"
            f"  p99 {fmt_ms(pct(to_last, 99))}"
        )
        print(
            f"  hub CPU                   {server_cpu:.1f} s over {m['wall_s']:.0f} s"
            f" ({100 * server_cpu / m['wall_s']:.0f} % of a core),"
            f" {1e3 * server_cpu / max(1, posts['accepted']):.2f} ms per SOS;"
            f" clients {m['clients_cpu_s']:.1f} s"
        )
        print(f"  {machine_line(m)}")
        print(
            f"  delivered                 {got}/{expected};  LOST {loss['lost']}"
            f" (consoles short: {loss['consoles_short']}), twice {loss['twice']},"
            f" dropped connections {drops}, hub errors logged {len(errors)}"
        )
        print_errors(errors)
        bad = loss["lost"] or posts["refused"] or drops or ready["failed"] or errors
        return 1 if bad else 0
    finally:
        await close_all(procs, hub)


def main() -> int:
    p = shape_parser(__doc__)
    p.add_argument("--businesses", type=int, default=1000)
    p.add_argument("--consoles", type=int, default=5, help="consoles per business")
    p.add_argument("--rate", type=float, default=50.0, help="SOS per second over all businesses")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of posting")
    p.add_argument("--procs", type=int, default=2, help="load-client processes")
    return run_shape(p, run, grace=20.0)


if __name__ == "__main__":
    sys.exit(main())
