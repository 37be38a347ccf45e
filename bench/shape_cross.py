"""Scale-out: two hub instances on Redis, consoles on both, SOS posted to A only.

Instances A and B share one SQLite file and a Redis of their own (a private redis-server on
a free port, started and stopped here: the shared Redis on 6379 is never touched) on a
channel of their own (HUB_REDIS_CHANNEL). --consoles consoles connect to each instance,
spread over --businesses businesses; SOS are posted to A at --rate for --duration seconds,
each to a random business. Every SOS then reaches A's consoles from A itself and B's
consoles through Redis. Printed: POST→console p50/p99 for consoles on B (cross-instance)
beside those on A (same instance), POST→201, both instances' CPU, and what was lost on
either side (every console must have every SOS of its business, exactly once).

    python bench/shape_cross.py                        # 2 × 1,000 consoles, 20 SOS/s, 30 s
    python bench/shape_cross.py --consoles 100 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import uuid

from shapes_kit import (
    Hub,
    Machine,
    PrivateRedis,
    ask_all,
    close_all,
    fmt_ms,
    free_port,
    log,
    lost_per_client,
    machine_line,
    merge_times,
    pct,
    post_figures,
    post_open_loop,
    print_errors,
    run_shape,
    seeded,
    shape_parser,
    spawn_console_procs,
    wait_received,
    warm_up,
)


async def run(args: argparse.Namespace) -> int:
    wd, businesses = await seeded(args.db_dir, args.businesses)
    redis = PrivateRedis().start()
    env = {"HUB_REDIS_URL": redis.url, "HUB_REDIS_CHANNEL": f"sos-bench-{uuid.uuid4().hex[:8]}"}
    a = Hub("a", free_port(), wd, env)
    b = Hub("b", free_port(), wd, env)
    on_a: list = []
    on_b: list = []
    try:
        log(f"redis on {redis.url}; starting A on {a.base} and B on {b.base}")
        await asyncio.gather(a.up(), b.up())
        tokens = [x.token for x in businesses]
        on_a, ready_a = await spawn_console_procs(a, tokens, args.consoles, 1)
        on_b, ready_b = await spawn_console_procs(b, tokens, args.consoles, 1)
        log(
            f"consoles: {ready_a['connected']} on A, {ready_b['connected']} on B"
            f" (failed {ready_a['failed'] + ready_b['failed']})"
        )
        await warm_up(a.base, [x.point for x in businesses])
        await asyncio.sleep(1)
        procs = on_a + on_b
        await ask_all(procs, "reset")

        rng = random.Random(2)
        count = int(args.rate * args.duration)
        recs = [{"biz": rng.randrange(args.businesses)} for _ in range(count)]
        for r in recs:
            r["point"] = businesses[r["biz"]].point
        machine = Machine([a.proc.pid, b.proc.pid], [cp.proc.pid for cp in procs])
        log(f"posting {count} SOS to A at {args.rate}/s")
        await post_open_loop(a.base, args.rate, recs)
        posts = post_figures(recs)
        accepted = [r for r in recs if r.get("status") == 201]
        per_token: dict[str, int] = {}
        for r in accepted:
            tok = businesses[r["biz"]].token
            per_token[tok] = per_token.get(tok, 0) + 1
        consoles_of = {}
        for tok in ready_a["tokens_of"][0]:
            consoles_of[tok] = consoles_of.get(tok, 0) + 1
        expected = sum(consoles_of.get(businesses[r["biz"]].token, 0) for r in accepted)
        await wait_received(procs, 2 * expected, args.grace)
        m = machine.close()
        rep_a = await ask_all(on_a, "report")
        rep_b = await ask_all(on_b, "report")
        lost_a = lost_per_client(rep_a, ready_a["tokens_of"], per_token)
        lost_b = lost_per_client(rep_b, ready_b["tokens_of"], per_token)
        errors = a.errors_in_log() + b.errors_in_log()

        def lat(reports: list[dict]) -> tuple[list[float], list[float]]:
            times = merge_times(reports)
            each, last = [], []
            for r in accepted:
                ts = times.get(r["key"], [])
                each.extend((t - r["t_send"]) * 1e3 for t in ts)
                if ts:
                    last.append((max(ts) - r["t_send"]) * 1e3)
            return each, last

        each_a, last_a = lat(rep_a)
        each_b, last_b = lat(rep_b)
        drops = sum(r["drops"] for r in rep_a + rep_b)
        print(
            f"\n=== two instances on Redis: {args.consoles} consoles on each over"
            f" {args.businesses} businesses, {args.rate} SOS/s posted to A"
        )
        print(
            f"  SOS                       {posts['accepted']}/{count} accepted"
            f" ({posts['accepted_per_s']:.1f}/s), refused {posts['refused']}"
            f" {posts['errors'] or ''}"
        )
        print(
            f"  POST→201 (A)              p50 {fmt_ms(posts['post_p50_ms'])}"
            f"  p99 {fmt_ms(posts['post_p99_ms'])}"
        )
        for name, each, last in (("B (cross)", each_b, last_b), ("A (same)", each_a, last_a)):
            print(
                f"  POST→console on {name:<9} p50 {fmt_ms(pct(each, 50))}"
                f"  p99 {fmt_ms(pct(each, 99))}  max {fmt_ms(max(each, default=None))};"
                f" to the last: p99 {fmt_ms(pct(last, 99))}"
            )
        sa, sb = m["server_cpu_s"]
        print(
            f"  CPU                       A {sa:.1f} s, B {sb:.1f} s over {m['wall_s']:.0f} s"
            f" (B: {1e6 * sb / max(1, len(each_b)):.0f} µs per delivery, Redis included);"
            f" clients {m['clients_cpu_s']:.1f} s"
        )
        print(f"  {machine_line(m)}")
        print(
            f"  LOST on B {lost_b['lost']}, on A {lost_a['lost']}; twice"
            f" {lost_a['twice'] + lost_b['twice']}; dropped connections {drops};"
            f" hub errors logged {len(errors)}"
        )
        print_errors(errors)
        bad = lost_a["lost"] or lost_b["lost"] or posts["refused"] or drops or errors
        return 1 if bad else 0
    finally:
        await close_all(on_a + on_b, a, b, redis)


def main() -> int:
    p = shape_parser(__doc__)
    p.add_argument("--consoles", type=int, default=1000, help="consoles on each instance")
    p.add_argument("--businesses", type=int, default=100)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--duration", type=float, default=30.0)
    return run_shape(p, run, grace=20.0)


if __name__ == "__main__":
    sys.exit(main())
