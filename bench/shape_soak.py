"""Soak: 5,000 consoles and 2 SOS/s for --minutes (30 by default), with churn.

One hub instance (embedded mode), --businesses businesses (1,000 by default, written
straight into its SQLite file) with their consoles spread over them (5 each by default).
The consoles reconnect and `resume` from their last seq when cut, like the web console.
Every --churn-every seconds, --churn consoles have their connection cut (aborted from the
client side, as a phone leaving Wi-Fi does): they come back after 0.5-1.5 s and replay
what they missed. SOS are posted open loop at --rate, each to a random business.

Sampled every --sample seconds: the hub's resident memory (RSS, /proc/PID/statm) and its
open file descriptors (/proc/PID/fd). Printed at the end:

* memory drift: RSS at the end against RSS once warmed up (after --warm seconds; the
  first minutes fill caches and allocator arenas), which must be ≤ 5 %;
* file descriptors: with every console connected before the soak and again after the
  last churn (must be equal: nothing leaks per reconnection), and after the consoles
  have gone (back to what the hub held before they came);
* what was lost: every console must have had every SOS of its business (live or
  replayed), counted exactly per console; and how many it got twice (live and replayed:
  the console drops those by seq);
* the hub's CPU and the machine's load (the machine is shared).

    python bench/shape_soak.py                          # 30 min, 5,000 consoles, 2 SOS/s
    python bench/shape_soak.py --minutes 3 --consoles 500 --businesses 100   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time

from shapes_kit import (
    Hub,
    Machine,
    ask_all,
    close_all,
    drop_consoles,
    fd_count,
    log,
    lost_per_client,
    machine_line,
    merge_times,
    pct,
    post_figures,
    post_open_loop,
    print_errors,
    quit_all,
    rss_kb,
    run_shape,
    seeded_hub,
    shape_parser,
    spawn_console_procs,
    wait_back,
    wait_received,
    warm_up,
)


async def monitor(
    hub: Hub, procs: list, args: argparse.Namespace, done: asyncio.Event, samples: list
) -> int:
    """Sample RSS and fds; cut --churn consoles every --churn-every s; returns how many cut."""
    t0 = time.monotonic()
    next_sample = t0
    next_churn = t0 + args.churn_every
    cut = 0
    while not done.is_set():
        now = time.monotonic()
        if now >= next_sample:
            st = await ask_all(procs, "status")
            samples.append(
                (
                    now - t0,
                    rss_kb(hub.proc.pid),
                    fd_count(hub.proc.pid),
                    sum(s["connected"] for s in st),
                )
            )
            next_sample += args.sample
        if args.churn and now >= next_churn:
            cut += await drop_consoles(procs, args.churn)
            next_churn += args.churn_every
        await asyncio.sleep(0.5)
    return cut


async def run(args: argparse.Namespace) -> int:
    businesses, hub = await seeded_hub(args.db_dir, args.businesses)
    procs: list = []
    try:
        log(f"hub: starting on {hub.base}")
        await hub.up()
        await warm_up(hub.base, [b.point for b in businesses])
        await asyncio.sleep(2)
        fd_empty = fd_count(hub.proc.pid)
        rss_empty = rss_kb(hub.proc.pid)
        n = args.consoles
        log(f"connecting {n} consoles over {args.businesses} businesses")
        procs, ready = await spawn_console_procs(
            hub, [b.token for b in businesses], n, args.procs, reconnect=True, summary=True
        )
        log(f"{ready['connected']}/{n} connected, failed {ready['failed']}")
        await asyncio.sleep(3)
        await ask_all(procs, "reset")
        fd_connected = fd_count(hub.proc.pid)
        rss_connected = rss_kb(hub.proc.pid)

        rng = random.Random(5)
        count = int(args.rate * args.minutes * 60)
        recs = [{"point": "", "biz": rng.randrange(args.businesses)} for _ in range(count)]
        for r in recs:
            r["point"] = businesses[r["biz"]].point
        machine = Machine([hub.proc.pid], [cp.proc.pid for cp in procs])
        samples: list = []
        done = asyncio.Event()
        log(
            f"soak: {count} SOS at {args.rate}/s for {args.minutes} min; cutting {args.churn}"
            f" consoles every {args.churn_every:.0f} s"
        )
        mon = asyncio.create_task(monitor(hub, procs, args, done, samples))
        try:
            await post_open_loop(hub.base, args.rate, recs)
        finally:
            done.set()
            cut = await mon
        posts = post_figures(recs)
        accepted = [r for r in recs if r.get("status") == 201]
        back = await wait_back(procs, n, 120)
        expected = len(accepted) * args.consoles // args.businesses  # about, in all
        got = await wait_received(procs, 0, 0)  # current total
        await asyncio.sleep(2)
        await wait_received(procs, got + 1, args.grace)  # until nothing more arrives
        m = machine.close()
        fd_end = fd_count(hub.proc.pid)
        rss_end = rss_kb(hub.proc.pid)
        reports = await ask_all(procs, "report", 300)

        per_token: dict[str, int] = {}
        for r in accepted:
            tok = businesses[r["biz"]].token
            per_token[tok] = per_token.get(tok, 0) + 1
        loss = lost_per_client(reports, ready["tokens_of"], per_token)
        times = merge_times(reports)
        to_last = [(times[r["key"]][2] - r["t_send"]) * 1e3 for r in accepted if r["key"] in times]
        reconnects = sum(rep["reconnects"] for rep in reports)
        failures = sum(rep["reconnect_failures"] for rep in reports)
        replayed = sum(rep["replayed"] for rep in reports)
        drops = sum(rep["drops"] for rep in reports)

        await quit_all(procs)
        procs = []
        deadline = time.monotonic() + 60
        fd_after = fd_count(hub.proc.pid)
        while fd_after > fd_empty and time.monotonic() < deadline:
            await asyncio.sleep(1)
            fd_after = fd_count(hub.proc.pid)
        rss_after = rss_kb(hub.proc.pid)
        errors = hub.errors_in_log()

        warm = [s for s in samples if s[0] >= args.warm] or samples
        base_rss = warm[0][1]
        drift = 100 * (rss_end - base_rss) / base_rss
        peak = max(s[1] for s in samples)
        print(
            f"\n=== soak: {n} consoles over {args.businesses} businesses, {args.rate} SOS/s,"
            f" {args.minutes:g} min; {args.churn} cut every {args.churn_every:.0f} s"
        )
        print(f"  consoles connected        {ready['connected']}/{n} (failed {ready['failed']})")
        print(
            f"  SOS                       {posts['accepted']}/{count} accepted"
            f" ({posts['accepted_per_s']:.2f}/s), refused {posts['refused']}"
            f" {posts['errors'] or ''}; POST→201 p50 {posts['post_p50_ms'] or 0:.1f} ms"
            f" p99 {posts['post_p99_ms'] or 0:.1f} ms"
        )
        print(
            f"  POST→last console         p50 {pct(to_last, 50) or 0:.1f} ms"
            f"  p99 {pct(to_last, 99) or 0:.1f} ms (replays included)"
        )
        print("  RSS samples (min: MB, fds, consoles connected):")
        step = max(1, len(samples) // 12)
        shown = samples[::step]
        if samples and shown[-1] is not samples[-1]:
            shown.append(samples[-1])
        for s in shown:
            print(f"    {s[0] / 60:6.1f}  {s[1] / 1024:7.1f}  {s[2]:6d}  {s[3]:6d}")
        print(
            f"  hub RSS                   {rss_empty / 1024:.1f} MB without consoles,"
            f" {rss_connected / 1024:.1f} MB with them at the start,"
            f" {base_rss / 1024:.1f} MB once warm (after {args.warm:.0f} s),"
            f" {rss_end / 1024:.1f} MB at the end (peak {peak / 1024:.1f}),"
            f" {rss_after / 1024:.1f} MB after they left"
        )
        print(f"  memory drift              {drift:+.2f} % (warm → end; target ≤ 5 %)")
        print(
            f"  file descriptors          {fd_empty} without consoles, {fd_connected} with all"
            f" connected before, {fd_end} with all connected after {cut} cuts,"
            f" {fd_after} after they left"
        )
        print(
            f"  churn                     {cut} cut, {reconnects} reconnected (resume),"
            f" {failures} reconnect attempts failed, {replayed} events replayed;"
            f" all back: {back['connected']}/{n}, still resuming {back['resuming']}"
        )
        server = m["server_cpu_s"][0]
        print(
            f"  hub CPU                   {server:.0f} s over {m['wall_s']:.0f} s"
            f" ({100 * server / m['wall_s']:.1f} % of a core); clients {m['clients_cpu_s']:.0f} s"
        )
        print(f"  {machine_line(m)}")
        print(
            f"  LOST {loss['lost']} (consoles short: {loss['consoles_short']}), twice"
            f" {loss['twice']} (dropped by seq), drops {drops} ({cut} of them ours),"
            f" hub errors logged {len(errors)}  [{expected} deliveries expected in all]"
        )
        print_errors(errors)
        fd_ok = fd_end == fd_connected and fd_after <= fd_empty
        bad = loss["lost"] or posts["refused"] or errors or drift > 5 or not fd_ok
        return 1 if bad else 0
    finally:
        await close_all(procs, hub)


def main() -> int:
    p = shape_parser(__doc__)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--consoles", type=int, default=5000)
    p.add_argument("--businesses", type=int, default=1000)
    p.add_argument("--rate", type=float, default=2.0, help="SOS per second")
    p.add_argument("--churn", type=int, default=250, help="consoles cut each time")
    p.add_argument("--churn-every", type=float, default=60.0, help="seconds between cuts")
    p.add_argument("--sample", type=float, default=15.0, help="seconds between RSS samples")
    p.add_argument("--warm", type=float, default=180.0, help="RSS baseline after this many s")
    p.add_argument("--procs", type=int, default=2, help="load-client processes")
    return run_shape(p, run, grace=20.0)


if __name__ == "__main__":
    sys.exit(main())
