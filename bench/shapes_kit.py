"""What the realistic-shape benchmarks (bench/shape_*.py) share.

Built on bench/fanout.py (servers, client processes, /proc readings, percentiles, SOS
texts) and bench/load_clients.py (the clients, with tokens per business, reconnect and
resume); this adds what fanout.py has no need for:

* ``seed(db, n)``: n businesses written straight into the SQLite file through the hub's own
  services (``create_tenant``, ``create_user``, ``create_point``; one Argon2 hash reused),
  not n × 3 CLI or HTTP calls: 1,000 businesses take seconds;
* ``Hub``: a hub instance on a given SQLite file (several instances may share one) with
  extra environment (scale-out: ``HUB_REDIS_URL``), restartable on the same port;
* ``PrivateRedis``: tests/integration/redis_server.py's ``redis-server`` of our own on a
  free loopback port (the shared server on 6379 is never touched, let alone flushed);
* ``post_sos`` / ``post_open_loop``: SOS to any business's point, open loop, each POST
  timestamped on CLOCK_MONOTONIC (the clients' clock);
* ``Machine``: load average and the CPU other processes used, printed with every figure
  (the machine is shared: CPU time of the hub process is the trustworthy figure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from fanout import (  # noqa: E402
    CLK_TCK,
    ClientProc,
    HubTarget,
    cpu_seconds,
    free_port,
    log,
    machine_cpu,
    pct,
    rss_kb,
    serve_cmd,
    sos_text,
    spawn_clients,
    wait_healthy,
)
from load_clients import raise_nofile  # noqa: E402

from tests.integration.redis_server import RedisServer as PrivateRedis  # noqa: E402

__all__ = [
    "CLK_TCK",
    "ClientProc",
    "Hub",
    "Machine",
    "PrivateRedis",
    "cpu_seconds",
    "fd_count",
    "free_port",
    "log",
    "pct",
    "post_open_loop",
    "raise_nofile",
    "rss_kb",
    "seed",
    "spawn_console_procs",
]


# ---------------------------------------------------------------- businesses
@dataclass
class Business:
    slug: str
    tenant_id: str
    token: str  # an agent's API token: the consoles of this business log in with it
    point: str  # its access point's code: SOS are posted to it


async def _seed(db: Path, n: int, language: str) -> list[Business]:
    from hub.accounts.passwords import hash_password, hash_token
    from hub.accounts.services import create_point, create_tenant, create_user
    from hub.store.sqlite import SqliteStore

    hashed = hash_password("bench-pass-1")  # Argon2 once: it is slow on purpose
    store = SqliteStore(db, timeout=60)
    await store.open()
    out = []
    try:
        for i in range(n):
            slug = f"biz{i:05d}"
            tenant = await create_tenant(store, slug=slug, name=f"Business {i}", language=language)
            _user, token = await create_user(
                store,
                tenant,
                email=f"agent@{slug}.example",
                password="bench-pass-1",
                role="agent",
                hash_password=lambda _p: hashed,
                hash_token=hash_token,
            )
            await create_point(store, tenant, code=f"p{i:05d}", label="Reception")
            out.append(Business(slug, tenant["id"], token, f"p{i:05d}"))
    finally:
        await store.close()
    return out


async def seed(db: Path, n: int, language: str = "en") -> list[Business]:
    """n businesses, each with one agent (its API token) and one access point, in `db`."""
    t0 = time.monotonic()
    out = await _seed(db, n, language)
    log(f"seeded {n} businesses in {time.monotonic() - t0:.1f} s (store directly)")
    return out


# ---------------------------------------------------------------- servers
class Hub(HubTarget):
    """One hub instance on `workdir`/hub.db (shared by every instance given the same dir)."""

    def __init__(self, name: str, port: int, workdir: str, env: dict | None = None) -> None:
        super().__init__(port, None)
        self.name = name
        self.workdir = workdir
        self.extra_env = env or {}

    def _env(self) -> dict:
        env = super()._env()
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        self._spawn(serve_cmd(self.port, self._cli()), self._env(), self.workdir)

    async def up(self) -> float:
        """Start and wait for /healthz; returns the seconds it took."""
        t0 = time.monotonic()
        self.start()
        await wait_healthy(self, 120)
        return time.monotonic() - t0

    def errors_in_log(self) -> list[str]:
        """ERROR / Traceback lines the instance logged."""
        try:
            text = Path(self.log_path).read_text(errors="replace")
        except OSError:
            return []
        return [ln for ln in text.splitlines() if " ERROR " in ln or ln.startswith("Traceback")]


def workdir(db_dir: str | None) -> str:
    return tempfile.mkdtemp(prefix="sos-shape-", dir=db_dir)


async def seeded(db_dir: str | None, n: int) -> tuple[str, list[Business]]:
    """A temp dir under `db_dir` and n businesses seeded in its hub.db."""
    wd = workdir(db_dir)
    return wd, await seed(Path(wd) / "hub.db", n)


async def seeded_hub(db_dir: str | None, n: int) -> tuple[list[Business], Hub]:
    """`seeded`, and a hub instance (not started yet) on a free port on that file."""
    wd, businesses = await seeded(db_dir, n)
    return businesses, Hub("hub", free_port(), wd)


async def close_all(procs: list[ClientProc], *servers: Hub | PrivateRedis) -> None:
    """Quit the client processes, then stop the servers."""
    await quit_all(procs)
    for server in servers:
        server.stop()


# ---------------------------------------------------------------- clients
def client_args(**over) -> argparse.Namespace:
    """The options fanout.spawn_clients reads."""
    base = {
        "connect_concurrency": 50,
        "max_lifetime": 7200.0,
        "deflate": False,
        "no_uvloop": False,
    }
    base.update(over)
    return argparse.Namespace(**base)


async def spawn_console_procs(
    hub: Hub,
    tokens: list[str],
    n: int,
    procs: int,
    *,
    reconnect: bool = False,
    summary: bool = False,
    concurrency: int = 50,
    ready_timeout: float | None = None,
) -> tuple[list[ClientProc], dict]:
    """n consoles on `hub`, console i logging in with tokens[i % len], over `procs` processes.

    Each process gets the token list rotated so that together they cover the businesses
    evenly; returns the processes and their merged `ready` figures.
    """
    sizes = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    out: list[ClientProc] = []
    offset = 0
    for i, k in enumerate(sizes):
        path = os.path.join(hub.workdir, f"tokens-{hub.name}-{i}-{uuid.uuid4().hex[:6]}.txt")
        rotated = [tokens[(offset + j) % len(tokens)] for j in range(min(k, len(tokens)))]
        Path(path).write_text("\n".join(rotated) + "\n")  # noqa: ASYNC240 - a small file
        offset += k
        extra = ["--tokens-file", path]
        if reconnect:
            extra.append("--reconnect")
        if summary:
            extra.append("--summary")
        out.extend(
            await spawn_clients(
                hub, k, 1, client_args(connect_concurrency=concurrency), hub.workdir, tuple(extra)
            )
        )
    t0 = time.monotonic()
    readies = await asyncio.gather(*(cp.read(ready_timeout or (120 + n * 0.05)) for cp in out))
    merged = {
        "connected": sum(r["connected"] for r in readies),
        "failed": sum(r["failed"] for r in readies),
        "fail_reasons": {},
        "connect_s": time.monotonic() - t0,
    }
    for r in readies:
        for key, v in r.get("fail_reasons", {}).items():
            merged["fail_reasons"][key] = merged["fail_reasons"].get(key, 0) + v
    # which token (business) each console of each process logs in with
    merged["tokens_of"] = []
    offset = 0
    for k in sizes:
        merged["tokens_of"].append([tokens[(offset + j) % len(tokens)] for j in range(k)])
        offset += k
    return out, merged


async def ask_all(procs: list[ClientProc], cmd: str, limit_s: float = 120.0) -> list[dict]:
    return list(await asyncio.gather(*(cp.ask(cmd, limit_s) for cp in procs)))


async def quit_all(procs: list[ClientProc]) -> None:
    for cp in procs:
        with contextlib.suppress(Exception):
            await cp.quit()


def merge_times(reports: list[dict]) -> dict[str, list[float]]:
    """key -> every receive time (full reports) or [count, first, last] summed (summaries)."""
    out: dict[str, list[float]] = {}
    for rep in reports:
        for k, v in rep["times"].items():
            if rep.get("summary"):
                have = out.get(k)
                if have is None:
                    out[k] = list(v)
                else:
                    have[0] += v[0]
                    have[1] = min(have[1], v[1])
                    have[2] = max(have[2], v[2])
            else:
                out.setdefault(k, []).extend(v)
    return out


# ---------------------------------------------------------------- posting
async def post_sos(http: aiohttp.ClientSession, base: str, point: str, i: int, rec: dict) -> None:
    """POST one SOS (a distinct text, another customer's phone) and note what came back."""
    headers = {"Origin": base, "Cookie": f"sos_device={uuid.uuid4().hex}"}
    body = {"point": point, "anonymous": True, "text": sos_text(i)}
    rec["t_send"] = time.monotonic()
    try:
        async with http.post(base + "/api/v1/sos", json=body, headers=headers) as r:
            raw = await r.read()
            rec["t_resp"] = time.monotonic()
            rec["status"] = r.status
            if r.status == 201:
                rec["key"] = str(json.loads(raw).get("id"))
            else:
                rec["error"] = raw[:200].decode(errors="replace")
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        rec["t_resp"] = time.monotonic()
        rec["status"] = 0
        rec["error"] = f"{type(exc).__name__}: {exc}"[:200]


def session(connections: int = 64, timeout: float = 60.0) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        # idle connections dropped before uvicorn closes them (its keep-alive is 5 s): a POST
        # on a connection the server is closing fails with ServerDisconnectedError
        connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=2.0),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


async def post_open_loop(
    base: str, rate: float, recs: list[dict], *, first: int = 0, stop: asyncio.Event | None = None
) -> float:
    """POST recs[i] (its "point") at `rate`, not waiting for answers; returns the start time.

    SOS number first + i gets text sos_text(first + i). `stop` ends the loop early."""
    async with session() as http:
        tasks = []
        start = time.monotonic() + 0.05
        for i, rec in enumerate(recs):
            if stop is not None and stop.is_set():
                break
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_sos(http, base, rec["point"], first + i, rec)))
        await asyncio.gather(*tasks)
    return start


def post_figures(recs: list[dict]) -> dict:
    """Accepted, refused (by reason), SOS/s accepted and POST→201 p50/p99 of sent records."""
    sent = [r for r in recs if "t_send" in r]
    ok = [r for r in sent if r.get("status") == 201]
    errors: dict[str, int] = {}
    for r in sent:
        if r.get("status") != 201:
            k = f"{r.get('status')}: {r.get('error', '')[:60]}"
            errors[k] = errors.get(k, 0) + 1
    lat = [(r["t_resp"] - r["t_send"]) * 1e3 for r in ok]
    wall = max((r["t_resp"] for r in sent), default=0) - min((r["t_send"] for r in sent), default=0)
    return {
        "sent": len(sent),
        "accepted": len(ok),
        "refused": len(sent) - len(ok),
        "errors": errors,
        "accepted_per_s": len(ok) / wall if wall > 0 else 0.0,
        "post_p50_ms": pct(lat, 50),
        "post_p99_ms": pct(lat, 99),
        "post_max_ms": max(lat) if lat else None,
    }


# ---------------------------------------------------------------- the machine
def fd_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


class Machine:
    """CPU of the hub processes, of our own clients and of everything else, over a window."""

    def __init__(self, server_pids: list[int], client_pids: list[int] | None = None) -> None:
        self.server_pids = server_pids
        self.client_pids = client_pids or []
        self.t0 = time.monotonic()
        self.mach0 = machine_cpu()
        self.server0 = [cpu_seconds(p)[0] for p in server_pids]
        self.client0 = [cpu_seconds(p)[0] for p in self.client_pids]
        self.self0 = time.process_time()

    def close(self) -> dict:
        wall = time.monotonic() - self.t0
        mach1 = machine_cpu()
        server = [
            cpu_seconds(p)[0] - c for p, c in zip(self.server_pids, self.server0, strict=True)
        ]
        client = [
            cpu_seconds(p)[0] - c for p, c in zip(self.client_pids, self.client0, strict=True)
        ]
        busy = (mach1[0] - self.mach0[0]) / CLK_TCK
        ours = sum(server) + sum(client) + time.process_time() - self.self0
        return {
            "wall_s": wall,
            "server_cpu_s": server,
            "clients_cpu_s": sum(client),
            "machine_busy_pct": 100 * (mach1[0] - self.mach0[0]) / max(1, mach1[1] - self.mach0[1]),
            "other_cores": max(0.0, busy - ours) / wall if wall > 0 else 0.0,
            "loadavg": os.getloadavg(),
        }


def machine_line(m: dict) -> str:
    la = m["loadavg"]
    return (
        f"machine {m['machine_busy_pct']:.0f} % busy, other processes {m['other_cores']:.2f} cores,"
        f" load average {la[0]:.1f} / {la[1]:.1f} / {la[2]:.1f}"
    )


def shape_parser(doc: str | None) -> argparse.ArgumentParser:
    """The parser of a shape script: its docstring's first line as the description."""
    return argparse.ArgumentParser(description=(doc or "").splitlines()[0])


def run_shape(
    p: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]],
    grace: float | None = None,
) -> int:
    """Add --grace (when given a default), --db-dir and --nice, parse, lower the priority,
    raise the open-files limit, run."""
    if grace is not None:
        p.add_argument(
            "--grace", type=float, default=grace, help="s without a delivery: stop waiting"
        )
    p.add_argument("--db-dir", default=None, help="where the SQLite file goes (/dev/shm: no fsync)")
    p.add_argument("--nice", type=int, default=0, help="run at this niceness")
    args = p.parse_args()
    nice(args.nice)
    raise_nofile()
    return asyncio.run(run(args))


def print_errors(errors: list[str], n: int = 5) -> None:
    """The first `n` ERROR / Traceback lines a hub logged, indented."""
    for line in errors[:n]:
        print(f"    {line[:200]}")


def fmt_ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f} ms"


def nice(n: int) -> None:
    """Lower (n > 0) the priority of this script and everything it starts."""
    if n:
        with contextlib.suppress(OSError):
            os.setsid()  # own session: Linux autogroups then honour the nice value
        os.nice(n)


async def wait_received(procs: list[ClientProc], expected: int, grace: float) -> int:
    """Until the clients hold `expected` events, or `grace` s pass without progress."""
    last, changed = -1, time.monotonic()
    total = 0
    while True:
        total = sum(s["received"] for s in await ask_all(procs, "status"))
        if total >= expected:
            return total
        if total != last:
            last, changed = total, time.monotonic()
        elif time.monotonic() - changed > grace:
            return total
        await asyncio.sleep(0.2)


def lost_per_client(
    reports: list[dict], tokens_of: list[list[str]], expected_by_token: dict[str, int]
) -> dict:
    """Exact per console: events it should have had (its business's accepted SOS) minus the
    distinct ones it had; and how many it had twice."""
    lost = dupes = short = 0
    for rep, tokens in zip(reports, tokens_of, strict=True):
        for idx, (_tok, unique, twice) in enumerate(rep["per_client"]):
            want = expected_by_token.get(tokens[idx], 0)
            if unique < want:
                lost += want - unique
                short += 1
            dupes += twice
    return {"lost": lost, "consoles_short": short, "twice": dupes}


async def warm_up(base: str, points: list[str], n: int = 5) -> None:
    """A few SOS first (the first ones load models and warm caches), not measured."""
    recs = [{"point": points[i % len(points)]} for i in range(n)]
    await post_open_loop(base, 5.0, recs, first=4000)
    bad = [r for r in recs if r.get("status") != 201]
    if bad:
        raise RuntimeError(f"warm-up SOS refused: {bad[0]}")


async def drop_consoles(procs: list[ClientProc], n: int) -> int:
    """Abort n connections spread over the client processes (a network cut); they reconnect
    and resume when the processes run with reconnect."""
    each = [n // len(procs) + (1 if i < n % len(procs) else 0) for i in range(len(procs))]
    done = 0
    for cp, k in zip(procs, each, strict=True):
        cp.proc.stdin.write((json.dumps({"cmd": "drop", "n": k}) + "\n").encode())
        await cp.proc.stdin.drain()
        done += (await cp.read(60))["dropped"]
    return done


async def wait_back(procs: list[ClientProc], n: int, limit_s: float) -> dict:
    """Until n consoles are connected and none is still resuming (or limit_s); last status."""
    deadline = time.monotonic() + limit_s
    while True:
        sts = await ask_all(procs, "status")
        merged = {k: sum(s[k] or 0 for s in sts) for k in sts[0] if k not in ("last_back", "type")}
        backs = [s["last_back"] for s in sts if s["last_back"] is not None]
        merged["last_back"] = max(backs) if backs else None
        if (merged["connected"] >= n and merged["resuming"] == 0) or time.monotonic() > deadline:
            return merged
        await asyncio.sleep(0.1)
