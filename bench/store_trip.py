"""What one read costs the hub's process: on the event loop's own connection, or by a hop
to aiosqlite's thread (what every read cost before `SqliteStore._inline`).

Opens a SqliteStore on a fresh file, then reads a missing document by key `--count` times
each way, one at a time and then ten at a time, and prints the process CPU (all threads)
and the wall time per read. The hop is forced by taking the loop's reader away, as a busy
file does.

    python bench/store_trip.py --db-dir /dev/shm
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

from hub.store.sqlite import SqliteStore


async def per_read(store: SqliteStore, count: int, concurrency: int) -> tuple[float, float]:
    """(CPU µs, wall µs) per `store.get`, `concurrency` readers at a time."""

    async def reader(k: int) -> None:
        for i in range(count // concurrency):
            await store.get("bench", "points", f"missing-{k}-{i}")  # points are not memoised

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(reader(k) for k in range(concurrency)))
    return (
        (time.process_time() - cpu) / count * 1e6,
        (time.perf_counter() - wall) / count * 1e6,
    )


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="sos-store-trip-", dir=args.db_dir))
    store = SqliteStore(tmp / "hub.db")
    await store.open()
    try:
        reader = store._reader
        for concurrency in (1, 10):
            await per_read(store, args.count // 10, concurrency)  # warm
            loop_cpu, loop_wall = await per_read(store, args.count, concurrency)
            store._reader = None  # every read hops to the thread, as before
            hop_cpu, hop_wall = await per_read(store, args.count, concurrency)
            store._reader = reader
            print(
                f"{concurrency:>2} at a time: on the loop {loop_cpu:6.1f} µs CPU, "
                f"{loop_wall:6.1f} µs wall per read; by the thread {hop_cpu:6.1f} µs CPU, "
                f"{hop_wall:6.1f} µs wall"
            )
    finally:
        await store.close()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=5000, help="reads each way")
    p.add_argument("--db-dir", default=None, help="where the SQLite file goes")
    asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    main()
