"""Several `fanout.py --json` runs read together: each run's ratios, then every SOS of all
runs pooled, per server.

One run of 200–300 SOS puts its p99 on its second or third slowest SOS, so one scheduling
hiccup on the load clients moves it by 10–20 % either way; the pooled p99 of five runs
rests on a dozen SOS. Both are printed: the per-run ratios say how often a target held,
the pooled figures where the servers stand.

    for i in 1 2 3 4 5; do
        python bench/fanout.py --peer node --skip-bare --nice -15 --quiet-wait 30 \\
            --count 300 --db-dir /dev/shm --json run$i.json
    done
    python bench/pooled.py run*.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fanout import pct

COLUMNS = (
    ("last_p50_ms", "last client p50 (ms)"),
    ("last_p99_ms", "last client p99 (ms)"),
    ("server_cpu_us_per_delivery", "CPU/delivery (µs)"),
    ("rss_per_conn_kb", "RSS/conn (KB)"),
)


def load(paths: list[str]) -> list[dict[str, Any]]:
    """The runs, in the order given; a run without both hub and node results is refused."""
    runs = []
    for path in paths:
        run = json.loads(Path(path).read_text())
        missing = [s for s in ("hub", "node") if s not in run or run[s].get("error")]
        if missing:
            raise SystemExit(f"{path}: no result for {', '.join(missing)}")
        runs.append(run)
    return runs


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("runs", nargs="+", help="fanout.py --json files (with hub and node)")
    args = p.parse_args(argv)
    runs = load(args.runs)
    print("| run | " + " | ".join(f"{title} hub / node (ratio)" for _, title in COLUMNS) + " |")
    print("| --- " * (len(COLUMNS) + 1) + "|")
    for path, run in zip(args.runs, runs, strict=True):
        hub, node = run["hub"], run["node"]
        cells = [
            f"{hub[key]:.1f} / {node[key]:.1f} ({ratio(hub[key], node[key])})" for key, _ in COLUMNS
        ]
        print(f"| {Path(path).stem} | " + " | ".join(cells) + " |")
    pooled = {}
    for server in ("hub", "node"):
        every = [v for run in runs for v in run[server].get("last_ms") or []]
        if not every:
            raise SystemExit(f"{server}: the runs hold no per-SOS figures (fanout.py too old)")
        pooled[server] = {q: pct(every, q) for q in (50, 95, 99)} | {"n": len(every)}
    lost = sum(run[s]["lost_events"] for run in runs for s in ("hub", "node"))
    print()
    print(f"pooled over {len(runs)} runs ({pooled['hub']['n']} SOS each server), lost {lost}:")
    for q in (50, 95, 99):
        h, n = pooled["hub"][q], pooled["node"][q]
        print(f"  last client p{q}: hub {h:.1f} ms, node {n:.1f} ms, hub/node {ratio(h, n)}")
    held = sum(1 for run in runs if run["hub"]["last_p99_ms"] <= run["node"]["last_p99_ms"])
    print(f"  runs where the hub's p99 was at most Node's: {held} of {len(runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
