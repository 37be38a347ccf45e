"""Replay on reconnect: a console is away while 1,000 events happen, then resumes.

One hub instance (embedded mode), one business. For each --consoles value (1 and 100 by
default): that many consoles connect, see one SOS (their last seq), disconnect; --events
SOS are posted (1,000 by default) while nobody listens; the consoles connect again and send
`resume` with their last seq, as the web console does (static/js/console-live.js). Printed:
the time from the `resume` to `resume.done` (each console, and the last), how many of the
missed SOS each console received (all of them), how many twice (none), and the hub's CPU
for the replays.

    python bench/shape_replay.py                         # 1,000 events; 1 and 100 consoles
    python bench/shape_replay.py --events 200 --consoles 1
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from load_clients import ClientPool
from shapes_kit import (
    Hub,
    Machine,
    fmt_ms,
    log,
    machine_line,
    pct,
    post_figures,
    print_errors,
    run_shape,
    seeded_hub,
    session,
    shape_parser,
    warm_up,
)
from shapes_kit import post_sos as post_one


async def post_closed(base: str, point: str, n: int, first: int, parallel: int = 8) -> list[dict]:
    """n SOS, `parallel` at a time (as fast as the hub answers)."""
    recs = [{"point": point} for _ in range(n)]
    queue = iter(range(n))

    async def worker(http) -> None:
        for i in queue:
            await post_one(http, base, point, first + i, recs[i])

    async with session() as http:
        await asyncio.gather(*(worker(http) for _ in range(parallel)))
    return recs


async def one_round(hub: Hub, token: str, point: str, consoles: int, args, first: int) -> bool:
    pool = ClientPool(hub.ws_url, hub.base, token, consoles, connect_timeout=60)
    await pool.start()
    if pool.connected != consoles:
        raise RuntimeError(f"{pool.connected}/{consoles} connected: {dict(pool.fail_reasons)}")
    seen = await post_closed(hub.base, point, 1, first)
    deadline = time.monotonic() + 30
    while pool.received < consoles and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    since = [c.last_seq for c in pool.clients]
    if seen[0].get("status") != 201 or min(since) == 0:
        raise RuntimeError(f"the first SOS did not reach every console: {seen[0]}")
    await pool.stop()

    log(f"{consoles} console(s) away; posting {args.events} SOS")
    t0 = time.monotonic()
    recs = await post_closed(hub.base, point, args.events, first + 1)
    posts = post_figures(recs)
    log(
        f"{posts['accepted']} accepted in {time.monotonic() - t0:.1f} s;"
        f" the console(s) come back and resume"
    )
    keys = {r["key"] for r in recs if r.get("status") == 201}

    back = ClientPool(hub.ws_url, hub.base, token, consoles, connect_timeout=60)
    await back.start()
    for c, s in zip(back.clients, since, strict=True):
        c.last_seq = s
    machine = Machine([hub.proc.pid])
    sent = time.monotonic()
    for c in back.clients:
        await back._resume(c, c.ws)  # `resume` with the last seq, as the console does
    done_at: dict[int, float] = {}
    deadline = time.monotonic() + args.limit
    while len(done_at) < consoles and time.monotonic() < deadline:
        for c in back.clients:
            if not c.resuming and c.idx not in done_at:
                done_at[c.idx] = time.monotonic()
        await asyncio.sleep(0.005)
    m = machine.close()
    # what each console got: distinct missed SOS, and twice
    got = {k for k in back.times if k in keys}
    per_console = [c.unique for c in back.clients]
    twice = sum(c.dupes for c in back.clients)
    extra = sorted(set(back.times) - keys)
    await back.stop()
    waits = [(t - sent) * 1e3 for t in done_at.values()]
    missing = sum(max(0, len(keys) - u) for u in per_console)
    print(f"\n=== replay of {len(keys)} missed SOS to {consoles} console(s)")
    print(
        f"  resume → resume.done      p50 {fmt_ms(pct(waits, 50))}"
        f"  p99 {fmt_ms(pct(waits, 99))}  last {fmt_ms(max(waits, default=None))}"
        f"  ({len(done_at)}/{consoles} done)"
    )
    print(
        f"  received                  {min(per_console)}–{max(per_console)} of {len(keys)} per"
        f" console; distinct SOS seen {len(got)}/{len(keys)}; other SOS {len(extra)}"
    )
    print(
        f"  hub CPU                   {m['server_cpu_s'][0] * 1e3:.0f} ms for the replays"
        f" ({m['server_cpu_s'][0] * 1e6 / max(1, len(keys) * consoles):.0f} µs per event replayed)"
    )
    print(f"  {machine_line(m)}")
    print(f"  LOST {missing}, twice {twice}, refused POSTs {posts['refused']}")
    return missing == 0 and twice == 0 and len(done_at) == consoles and not posts["refused"]


async def run(args: argparse.Namespace) -> int:
    businesses, hub = await seeded_hub(args.db_dir, 1)
    biz = businesses[0]
    ok = True
    try:
        log(f"hub: starting on {hub.base}")
        await hub.up()
        await warm_up(hub.base, [biz.point])
        first = 0
        for n in (int(x) for x in args.consoles.split(",")):
            ok = await one_round(hub, biz.token, biz.point, n, args, first) and ok
            first += args.events + 1
        errors = hub.errors_in_log()
        print(f"\n  hub errors logged: {len(errors)}")
        print_errors(errors)
        return 0 if ok and not errors else 1
    finally:
        hub.stop()


def main() -> int:
    p = shape_parser(__doc__)
    p.add_argument("--events", type=int, default=1000, help="SOS while the consoles are away")
    p.add_argument("--consoles", default="1,100", help="comma-separated: one round each")
    p.add_argument("--limit", type=float, default=120.0, help="longest wait for resume.done")
    return run_shape(p, run)


if __name__ == "__main__":
    sys.exit(main())
