"""How many SOS per second one hub instance accepts with POST p99 <= 100 ms.

Runs `bench/fanout.py` (the hub only, a few consoles connected, rate limits off) at rising
rates and prints, per rate: SOS accepted per second, POST->201 p50/p99, server CPU per SOS,
lost events. The answer is the highest rate whose POST p99 stays within the bound and whose
accepted rate keeps up with the offered one.

    python bench/intake_ramp.py                         # 20 consoles, 25 50 100 150 250 SOS/s
    python bench/intake_ramp.py --rates 50,100 --seconds 10 --clients 20 --nice -15

Each step posts for `--seconds` (open loop: sent on schedule whatever the answers). The
server CPU per SOS comes from /proc (utime+stime of the hub process over the posting window),
which a busy machine disturbs less than latencies: compare latencies only on a quiet machine.
Each row also shows the language detector's CPU per SOS (`helper`, its child process), the
frames pushed per SOS to each console (`pushes`: 1.00 when every SOS is pushed once), how
busy the machine was (%), other processes' CPU (cores) and the 1-minute load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rates", default="25,50,100,150,250", help="SOS/s to try, comma-separated")
    p.add_argument("--seconds", type=float, default=10.0, help="posting time per rate")
    p.add_argument("--clients", type=int, default=20, help="consoles connected")
    p.add_argument("--nice", type=int, default=0)
    p.add_argument("--quiet-wait", type=float, default=30.0)
    args = p.parse_args()
    best = None
    print(
        f"{'offered':>8} {'accepted/s':>10} {'POST p50':>9} {'POST p99':>9} "
        f"{'CPU/SOS':>8} {'helper':>7} {'pushes':>6} {'lost':>5} {'busy':>5} {'others':>6} "
        f"{'load':>5}"
    )
    for rate in (float(r) for r in args.rates.split(",")):
        r = step(rate, args)
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
        helper_ms = 1000.0 * float(r.get("helper_cpu_s") or 0.0) / sos
        # frames per SOS pushed to each console: 1 is ticket.created alone; more means the
        # SOS was pushed again (its language found only by the routing job)
        frames = float(r.get("events_delivered_all") or 0) / max(1, sos * args.clients)
        print(
            f"{rate:8.0f} {r.get('accepted_per_s', 0):10.1f} {p50 or 0:9.1f} {p99 or 0:9.1f} "
            f"{cpu_ms:8.2f} {helper_ms:7.2f} {frames:6.2f} {lost!s:>5} "
            f"{r.get('machine_busy_pct', 0):5.0f} {r.get('other_cores', 0):6.2f} "
            f"{r.get('loadavg_1m', 0):5.1f}  {'holds' if ok else 'does not hold'}"
        )
        if ok:
            best = rate
    print(f"highest rate holding POST p99 <= {P99_BOUND_MS:.0f} ms: {best or 'none tried'} SOS/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
