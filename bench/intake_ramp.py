"""How many SOS per second one hub instance accepts with POST p99 <= 100 ms.

Runs `bench/fanout.py` (the hub only, a few consoles connected, rate limits off) at rising
rates and prints, per rate: SOS accepted per second, POST->201 p50/p99, server CPU per SOS,
lost events. The answer is the highest rate whose POST p99 stays within the bound and whose
accepted rate keeps up with the offered one.

    python bench/intake_ramp.py                         # 20 consoles, 25 50 100 150 250 SOS/s
    python bench/intake_ramp.py --rates 50,100 --seconds 10 --clients 20 --nice -15

Several processes (`--instances N`, N >= 2): each step starts N hub processes on one SQLite
file with the real Redis (`HUB_REDIS_URL`, a channel of its own: the scale-out shape of
tests/integration/test_two_instances.py) and spreads the POSTs over them round-robin. Or
`--targets URL,URL` posts to hubs already running (business `bench`, point `--point`), with
`--pids` naming the processes whose CPU to count (warm them first: this mode sends no
warm-up, so a detector still loading its models is counted). In both modes no console is connected
(the fan-out to consoles is `fanout.py`'s figure): the POSTs, the 201s and the hubs' CPU
are measured, summed over the processes.

    python bench/intake_ramp.py --instances 2 --rates 100,150,250 --db-dir /dev/shm
    python bench/intake_ramp.py --instances 1 --rates 100,150,250 --db-dir /dev/shm
    python bench/intake_ramp.py --targets http://127.0.0.1:8001,http://127.0.0.1:8002 --pids 11,12

Each step posts for `--seconds` (open loop: sent on schedule whatever the answers). The
server CPU per SOS comes from /proc (utime+stime of the hub process over the posting window),
which a busy machine disturbs less than latencies: compare latencies only on a quiet machine.
Each row also shows the language detector's CPU per SOS (`helper`, its child process), the
frames pushed per SOS to each console (`pushes`: 1.00 when every SOS is pushed once), how
busy the machine was (%), other processes' CPU (cores) and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
P99_BOUND_MS = 100.0


def step(rate: float, args: argparse.Namespace) -> dict:
    """One fanout.py run of the hub at `rate`; its JSON figures for the hub."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "step.json"
        cmd = [
            sys.executable,
            str(HERE / "fanout.py"),
            "--skip-bare",
            "--clients",
            str(args.clients),
            "--rate",
            str(rate),
            "--count",
            str(max(20, int(rate * args.seconds))),
            "--quiet-wait",
            str(args.quiet_wait),
            "--json",
            str(out),
        ]
        if args.nice:
            cmd += ["--nice", str(args.nice)]
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, timeout=900)
        load = os.getloadavg()[0]  # the 1-minute load average just after the step
        if not out.exists():
            return {"error": "fanout.py wrote no figures"}
        figures: dict = json.loads(out.read_text()).get("hub", {})
        figures["loadavg_1m"] = load
        return figures


# ------------------------------------------------------------ several target URLs
def _targets_mode(args: argparse.Namespace) -> bool:
    return bool(args.targets) or args.instances > 1 or args.instances_forced


async def _post(http, url: str, i: int, point: str, rec: dict) -> None:
    import aiohttp
    from fanout import sos_text

    body = {"point": point, "anonymous": True, "text": sos_text(i)}
    # another customer's phone per SOS (the device cookie), as fanout.py does
    headers = {"Origin": url, "Cookie": f"sos_device={uuid.uuid4().hex}"}
    rec["t_send"] = time.monotonic()
    try:
        async with http.post(url + "/api/v1/sos", json=body, headers=headers) as r:
            await r.read()
            rec["status"] = r.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        rec["status"] = 0
        rec["error"] = type(exc).__name__
    rec["t_resp"] = time.monotonic()


async def _open_loop(urls: list[str], rate: float, count: int, point: str, first: int) -> list:
    """POST `count` SOS at `rate`, round-robin over `urls`, not waiting for answers."""
    import aiohttp

    recs: list[dict] = [{} for _ in range(count)]
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1000),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=60),
    ) as http:
        tasks = []
        start = time.monotonic() + 0.05
        for i, rec in enumerate(recs):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            url = urls[i % len(urls)]
            tasks.append(asyncio.create_task(_post(http, url, first + i, point, rec)))
        await asyncio.gather(*tasks)
    return recs


def _cpu(pids: list[int]) -> tuple[float, float]:
    """(the hub processes' own CPU, their children's), summed, from /proc."""
    from fanout import cpu_seconds

    own = kids = 0.0
    for pid in pids:
        a, b = cpu_seconds(pid)
        own, kids = own + a, kids + b
    return own, kids


async def _measure(urls: list[str], pids: list[int], rate: float, args) -> dict:
    from fanout import CLK_TCK, machine_cpu, pct

    count = max(20, int(rate * args.seconds))
    cpu0, mach0, self0, w0 = _cpu(pids), machine_cpu(), time.process_time(), time.monotonic()
    recs = await _open_loop(urls, rate, count, args.point, args.first)
    args.first += count
    w1 = time.monotonic()
    cpu1, mach1, self1 = _cpu(pids), machine_cpu(), time.process_time()
    ok = [r for r in recs if r.get("status") == 201]
    lat = [(r["t_resp"] - r["t_send"]) * 1e3 for r in ok]
    wall = max(r["t_resp"] for r in recs) - min(r["t_send"] for r in recs)
    server, helper = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    window = w1 - w0
    ours = server + helper + (self1 - self0)
    busy = mach1[0] - mach0[0]
    errors: dict[str, int] = {}
    for r in recs:
        if r.get("status") != 201:
            k = str(r.get("status")) + " " + r.get("error", "")
            errors[k] = errors.get(k, 0) + 1
    return {
        "accepted": len(ok),
        "refused": errors,
        "accepted_per_s": len(ok) / wall if wall > 0 else 0.0,
        "http_p50_ms": pct(lat, 50),
        "http_p99_ms": pct(lat, 99),
        "server_cpu_s": server,
        "helper_cpu_s": helper,
        "machine_busy_pct": 100 * busy / max(1, mach1[1] - mach0[1]),
        "other_cores": max(0.0, busy / CLK_TCK - ours) / window,
        "lost_events": 0,
        "loadavg_1m": os.getloadavg()[0],
        "hub_cores": server / window,
        "helper_cores": helper / window,
        "poster_cores": (self1 - self0) / window,
    }


async def _pair_step(rate: float, args: argparse.Namespace) -> dict:
    """Start `--instances` hub processes on one SQLite file and Redis, measure, stop them."""
    from fanout import HubTarget, free_port, wait_healthy

    extra = {}
    if args.instances > 1:
        extra = {
            "HUB_REDIS_URL": args.redis_url,
            "HUB_REDIS_CHANNEL": f"sos-hub-bench-{uuid.uuid4().hex}",
        }

    class Hub(HubTarget):
        def _env(self) -> dict:
            return {**super()._env(), **extra}

    hubs: list[HubTarget] = []
    try:
        first = Hub(free_port(), None, db_dir=args.db_dir or None)
        first.name = "hub1"
        hubs.append(first)
        await asyncio.to_thread(first.start)  # the business, its point, then `serve`
        for n in range(2, args.instances + 1):
            other = Hub(free_port(), None, db_dir=args.db_dir or None)
            other.name = f"hub{n}"
            other.workdir = first.workdir  # the same SQLite file
            cmd = [*other._cli(), "serve", "--host", "127.0.0.1", "--port", str(other.port)]
            other._spawn(cmd, other._env(), other.workdir)
            hubs.append(other)
        for h in hubs:
            await wait_healthy(h)
        urls = [h.base for h in hubs]
        # warm-up: a few SOS to each, then time for the detector children to load their models
        await _open_loop(urls, 20.0, 4 * len(urls), args.point, args.first)
        args.first += 4 * len(urls)
        await asyncio.sleep(args.warm)
        res = await _measure(urls, [h.proc.pid for h in hubs if h.proc], rate, args)
        return res
    finally:
        for h in hubs:
            if h.proc:
                await asyncio.to_thread(h.stop)
        if hubs and hubs[0].workdir:
            shutil.rmtree(hubs[0].workdir, ignore_errors=True)


def targets_step(rate: float, args: argparse.Namespace) -> dict:
    if args.targets:
        urls = [u.rstrip("/") for u in args.targets.split(",") if u]
        pids = [int(p) for p in args.pids.split(",") if p]
        return asyncio.run(_measure(urls, pids, rate, args))
    return asyncio.run(_pair_step(rate, args))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rates", default="25,50,100,150,250", help="SOS/s to try, comma-separated")
    p.add_argument("--seconds", type=float, default=10.0, help="posting time per rate")
    p.add_argument("--clients", type=int, default=20, help="consoles connected")
    p.add_argument("--nice", type=int, default=0)
    p.add_argument("--quiet-wait", type=float, default=30.0)
    p.add_argument(
        "--instances",
        type=int,
        default=0,
        help="N hub processes on one SQLite file with Redis, POSTs spread over them (no consoles)",
    )
    p.add_argument("--targets", default="", help="POST to these running hubs (comma-separated)")
    p.add_argument("--pids", default="", help="with --targets: the hub processes' pids")
    p.add_argument("--point", default="bench1", help="access point code to post to")
    p.add_argument("--db-dir", default="", help="where the SQLite file goes (e.g. /dev/shm)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--warm", type=float, default=8.0, help="s after the warm-up SOS")
    args = p.parse_args()
    args.instances_forced = args.instances == 1
    args.first = 0
    best = None
    print(
        f"{'offered':>8} {'accepted/s':>10} {'POST p50':>9} {'POST p99':>9} "
        f"{'CPU/SOS':>8} {'helper':>7} {'pushes':>6} {'lost':>5} {'busy':>5} {'others':>6} "
        f"{'load':>5}"
    )
    for rate in (float(r) for r in args.rates.split(",")):
        r = targets_step(rate, args) if _targets_mode(args) else step(rate, args)
        if r.get("error"):
            print(f"{rate:8.0f}  error: {r['error']}")
            continue
        sos = max(1, int(r.get("accepted") or 0))
        cpu_ms = 1000.0 * float(r.get("server_cpu_s") or 0.0) / sos
        p99 = r.get("http_p99_ms")
        p50 = r.get("http_p50_ms")
        lost = r.get("lost_events")
        keeps_up = float(r.get("accepted_per_s") or 0) >= 0.9 * rate
        ok = p99 is not None and p99 <= P99_BOUND_MS and keeps_up and not lost
        ok = ok and not r.get("refused")
        helper_ms = 1000.0 * float(r.get("helper_cpu_s") or 0.0) / sos
        # frames per SOS pushed to each console: 1 is ticket.created alone; more means the
        # SOS was pushed again (its language found only by the routing job)
        frames = float(r.get("events_delivered_all") or 0) / max(1, sos * args.clients)
        if _targets_mode(args):
            frames = float("nan")  # no consoles in this mode
        print(
            f"{rate:8.0f} {r.get('accepted_per_s', 0):10.1f} {p50 or 0:9.1f} {p99 or 0:9.1f} "
            f"{cpu_ms:8.2f} {helper_ms:7.2f} {frames:6.2f} {lost!s:>5} "
            f"{r.get('machine_busy_pct', 0):5.0f} {r.get('other_cores', 0):6.2f} "
            f"{r.get('loadavg_1m', 0):5.1f}  {'holds' if ok else 'does not hold'}"
        )
        if _targets_mode(args):
            print(
                f"{'':8} cores used: hub processes {r['hub_cores']:.2f}, their detectors "
                f"{r['helper_cores']:.2f}, this poster {r['poster_cores']:.2f}"
            )
        if r.get("refused"):
            print(f"{'':8} refused: {r['refused']}")
        if ok:
            best = rate
    print(f"highest rate holding POST p99 <= {P99_BOUND_MS:.0f} ms: {best or 'none tried'} SOS/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
