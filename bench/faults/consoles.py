"""Resuming staff consoles for the fault runs: what a real console does, many per process.

Each console is one raw Engine.IO v4 / Socket.IO v5 websocket on `/staff` (as in
bench/load_clients.py) that behaves like static/js/console-live.js: it keeps the highest
`seq` it has seen, emits `resume` with it on every (re)connect and on every `resync`, files
each `ticket.created` under its `id` (an event whose seq it has seen is a duplicate), and
reconnects when its connection drops (0.5 s doubling to 5 s, with jitter), trying the next
URL of `--urls` when one fails: a console on a killed instance lands on the other one.

Driven by JSON lines on stdin/stdout (one answer line per command):

    stdout  {"type": "ready", "connected", "failed"}            once every console has tried
    stdin   {"cmd": "status"}  -> {"type": "status", "connected", "reconnects", "received", ...}
            {"cmd": "check", "ids": [...]}
                               -> {"type": "check", "missing": n, "consoles_missing": k,
                                   "unexpected": [ids received that are not in `ids`]}
            {"cmd": "drop", "fraction": f, "seconds": s}
                               -> closes that share of the consoles (transport aborted, as a
                                  Wi-Fi loss) and keeps them away for s seconds
            {"cmd": "quit"}    -> closes everything and exits
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

NS = "/staff"
EVENT = "42" + NS + ","
ACK = "40" + NS + ","
REFUSE = "44" + NS + ","


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Console:
    """One console: connect, resume, receive, reconnect; forever until stopped."""

    def __init__(self, pool: Pool, idx: int) -> None:
        self.pool = pool
        self.idx = idx
        self.url_idx = 0 if pool.all_first else idx % len(pool.urls)
        self.seq = 0
        self.ids: set[str] = set()
        self.seqs: set[int] = set()
        self.ws = None
        self.away_until = 0.0
        self.connected = False
        self.ever = False
        self.connects = 0
        self.pending_resumes = 0  # resumes sent on this connection without resume.done

    async def run(self) -> None:
        delay = 0.5
        while not self.pool.stopping:
            wait = self.away_until - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            url = self.pool.urls[self.url_idx]
            try:
                async with self.pool.sem:
                    ws = await asyncio.wait_for(self._handshake(url), 20)
            except Exception as exc:
                self.pool.fails[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                if not self.ever:
                    self.pool.first_tries += 1
                    self.ever = True  # counted once as tried
                self.url_idx = (self.url_idx + 1) % len(self.pool.urls)
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 5.0)
                continue
            delay = 0.5
            if not self.ever:
                self.pool.first_tries += 1
            elif self.ever:
                self.pool.reconnects += 1
            self.ever = True
            self.ws = ws
            self.connects += 1
            self.pending_resumes = 0
            self.connected = True
            self.pool.connected += 1
            try:
                await self._resume()
                await self._receive(ws)
            except ConnectionClosed:
                pass
            except Exception as exc:
                self.pool.drop_reasons[type(exc).__name__] += 1
            finally:
                self.connected = False
                self.pool.connected -= 1
                self.ws = None
                with contextlib.suppress(Exception):
                    ws.transport.abort()
            if not self.pool.stopping:
                self.pool.drops += 1
                # socket.io-client: reconnectionDelay 500 ms with jitter
                await asyncio.sleep(0.5 * (0.5 + random.random()))

    async def _handshake(self, url: str):
        ws = await connect(
            url,
            origin=self.pool.origin,
            compression=None,
            ping_interval=None,
            max_size=2**24,
            open_timeout=20,
            close_timeout=1,
            proxy=None,
            max_queue=None,
        )
        try:
            first = await ws.recv()
            if not isinstance(first, str) or not first.startswith("0"):
                raise RuntimeError(f"unexpected open packet {first!r:.60}")
            await ws.send(ACK + self.pool.auth)
            while True:
                msg = await ws.recv()
                if not isinstance(msg, str):
                    continue
                if msg == "2":
                    await ws.send("3")
                elif msg.startswith(ACK):
                    return ws
                elif msg.startswith(REFUSE):
                    raise RuntimeError(f"refused: {msg[:80]}")
                elif msg.startswith("1"):
                    raise RuntimeError("closed during connect")
        except BaseException:
            ws.transport.abort()
            raise

    async def _resume(self) -> None:
        ws = self.ws
        if ws is not None:
            self.pool.resumes += 1
            self.pending_resumes += 1
            await ws.send(EVENT + json.dumps(["resume", {"since": self.seq}]))

    async def _receive(self, ws) -> None:
        async for msg in ws:
            if msg.__class__ is not str:
                continue
            if msg == "2":
                await ws.send("3")
            elif msg.startswith(EVENT):
                await self._on_event(msg[len(EVENT) :])
            elif msg.startswith("1") or msg.startswith("41"):
                return

    async def _on_event(self, body: str) -> None:
        try:
            name, data = json.loads(body)[:2]
        except (ValueError, TypeError):
            return
        pool = self.pool
        if name == "resync":
            pool.resyncs += 1
            await self._resume()
            return
        if name == "resume.done":
            pool.resume_done += 1
            self.pending_resumes -= 1
            return
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int):
            pool.other[name] += 1
            return
        seq = data["seq"]
        if seq in self.seqs:
            pool.duplicates += 1
            return
        self.seqs.add(seq)
        self.seq = max(self.seq, seq)
        if name == "ticket.created":
            self.ids.add(str(data.get("id")))
            pool.received += 1

    def drop(self, seconds: float) -> None:
        self.away_until = time.monotonic() + seconds
        if self.ws is not None:
            self.ws.transport.abort()


class Pool:
    def __init__(
        self,
        urls: list[str],
        origin: str,
        token: str,
        n: int,
        concurrency: int,
        all_first: bool = False,
    ):
        self.urls = urls
        self.all_first = all_first
        self.origin = origin
        self.auth = json.dumps({"token": token}, separators=(",", ":"))
        self.sem = asyncio.Semaphore(concurrency)
        self.consoles = [Console(self, i) for i in range(n)]
        self.stopping = False
        self.connected = 0
        self.first_tries = 0
        self.reconnects = 0
        self.drops = 0
        self.resumes = 0
        self.resume_done = 0
        self.resyncs = 0
        self.received = 0
        self.duplicates = 0
        self.fails: Counter = Counter()
        self.drop_reasons: Counter = Counter()
        self.other: Counter = Counter()
        self.tasks: list[asyncio.Task] = []
        self.cpu0 = _cpu_s()

    def start(self) -> None:
        self.tasks = [asyncio.create_task(c.run()) for c in self.consoles]

    def status(self) -> dict:
        per_url = Counter(c.url_idx for c in self.consoles if c.connected)
        return {
            "type": "status",
            "connected": self.connected,
            "per_url": {self.urls[i]: k for i, k in sorted(per_url.items())},
            "reconnects": self.reconnects,
            "drops": self.drops,
            "resumes": self.resumes,
            "resume_done": self.resume_done,
            "resyncs": self.resyncs,
            "received": self.received,
            "duplicates": self.duplicates,
            "fails": dict(self.fails.most_common(5)),
            "cpu_s": round(_cpu_s() - self.cpu0, 2),
        }

    def check(self, ids: list[str]) -> dict:
        want = set(ids)
        missing = 0
        consoles_missing = 0
        unexpected: set[str] = set()
        by_id: Counter = Counter()
        shapes: Counter = Counter()
        for c in self.consoles:
            gone = want - c.ids
            by_id.update(gone)
            if gone:
                shapes[
                    f"connected={c.connected} connects={c.connects} "
                    f"unanswered_resumes={c.pending_resumes}"
                ] += 1
            gap = len(gone)
            missing += gap
            consoles_missing += gap > 0
            unexpected |= c.ids - want
        return {
            "type": "check",
            "missing": missing,
            "consoles_missing": consoles_missing,
            "unexpected": sorted(unexpected),
            "missing_by_id": dict(by_id),
            "missing_consoles": dict(shapes.most_common(8)),
        }

    def drop(self, fraction: float, seconds: float) -> dict:
        chosen = random.sample(self.consoles, round(len(self.consoles) * fraction))
        for c in chosen:
            c.drop(seconds)
        return {"type": "drop", "dropped": len(chosen)}

    async def stop(self) -> None:
        self.stopping = True
        for c in self.consoles:
            if c.ws is not None:
                c.ws.transport.abort()
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _serve(args: argparse.Namespace) -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))
    pool = Pool(
        args.urls.split(","),
        args.origin,
        args.token,
        args.clients,
        args.concurrency,
        all_first=args.all_first,
    )
    pool.start()
    deadline = time.monotonic() + args.connect_timeout
    while pool.first_tries < args.clients and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    _emit({"type": "ready", "connected": pool.connected, "fails": dict(pool.fails)})
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        try:
            cmd = json.loads(line)
        except ValueError:
            continue
        what = cmd.get("cmd")
        if what == "status":
            _emit(pool.status())
        elif what == "check":
            _emit(pool.check(cmd.get("ids", [])))
        elif what == "drop":
            _emit(pool.drop(float(cmd["fraction"]), float(cmd["seconds"])))
        elif what == "quit":
            break
    await pool.stop()
    _emit({"type": "bye"})
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--urls", required=True, help="comma-separated ws:// URLs of the instances")
    p.add_argument("--origin", required=True, help="the Origin header (the hub's public URL)")
    p.add_argument("--token", required=True, help="a staff API token")
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--concurrency", type=int, default=50, help="handshakes at once")
    p.add_argument("--connect-timeout", type=float, default=120.0)
    p.add_argument(
        "--all-first",
        action="store_true",
        help="every console starts on the first URL (the others are for failover)",
    )
    args = p.parse_args(argv)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_serve(args))


if __name__ == "__main__":
    raise SystemExit(main())
