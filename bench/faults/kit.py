"""What the fault runs share: a private Redis, hub instances on one SQLite file, the resuming
consoles (consoles.py), an open-loop SOS poster and the verdict (lost=N, exit status).

Redis here is always a private `redis-server` (port 6390 by default): these runs kill and
reconfigure it. Never point them at the shared server on 6379.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

sys.path.insert(0, str(REPO))

from fanout import cli_json, seed_cli, serve_cmd, sos_text, spawn_logged  # noqa: E402  (bench/ is not a package)

from tests.integration.redis_server import RedisServer  # noqa: E402

SHARED_REDIS_PORT = 6379


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine_load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_s(pid: int) -> float:
    """utime+stime of one process, seconds (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--redis-port", type=int, default=6390, help="the private Redis (not 6379)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite file)")
    return p


def add_phases(p: argparse.ArgumentParser, before: float, after: float, grace: float) -> None:
    """--before, --after (seconds of posting around the fault) and --grace."""
    p.add_argument("--before", type=float, default=before, help="seconds of posting before")
    p.add_argument("--after", type=float, default=after, help="seconds of posting after")
    p.add_argument("--grace", type=float, default=grace, help="seconds to wait for catch-up")


def run_main(
    p: argparse.ArgumentParser,
    title: str,
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, int]],
) -> int:
    """Parse, print the parameters, run; the exit status."""
    args = p.parse_args()
    print_params(title, args)
    return asyncio.run(run(args))


def print_params(title: str, args: argparse.Namespace) -> None:
    if getattr(args, "redis_port", None) == SHARED_REDIS_PORT:
        raise SystemExit("refusing to kill or reconfigure the shared Redis on 6379")
    print(f"== {title}")
    print("parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(vars(args).items())))
    print(machine_load(), flush=True)


# ------------------------------------------------------------------ Redis
class Redis(RedisServer):
    """A private redis-server (tests/integration/redis_server.py) that these runs also
    SIGKILL and CONFIG SET; its output goes to `workdir`/redis-PORT.log."""

    def __init__(self, port: int, workdir: str) -> None:
        if port == SHARED_REDIS_PORT:
            raise SystemExit("refusing to kill or reconfigure the shared Redis on 6379")
        if shutil.which("redis-server") is None:
            raise SystemExit("redis-server is not installed")
        super().__init__(port, Path(workdir) / f"redis-{port}.log", own_session=True)
        self.workdir = workdir
        if self.ping():
            raise SystemExit(f"something already answers on port {port}: pick --redis-port")

    def kill(self) -> None:
        """SIGKILL: every connection drops at once, as a crashed Redis."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def command(self, *parts: str) -> bytes:
        """One RESP command over a raw socket; the raw answer."""
        body = f"*{len(parts)}\r\n" + "".join(f"${len(p.encode())}\r\n{p}\r\n" for p in parts)
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(body.encode())
            return s.recv(65536)

    def flood(self, channel: str, count: int, size: int) -> None:
        """PUBLISH `count` messages of `size` bytes to `channel` (other traffic on it), pipelined.

        They are control messages of an op the hubs do not know, which they ignore.
        """
        body = json.dumps({"method": "hub", "op": "noise", "host_id": "flood", "pad": "x" * size})
        one = f"*3\r\n$7\r\nPUBLISH\r\n${len(channel)}\r\n{channel}\r\n${len(body)}\r\n{body}\r\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(one.encode() * count)
            got = 0
            while got < count:
                got += s.recv(1 << 20).count(b"\r\n")


# ------------------------------------------------------------------ hub instances
@dataclass
class Hubs:
    """N hub instances on one SQLite file (and Redis when given): `sos-hub serve` each."""

    workdir: str
    redis_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    procs: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    token: str = ""
    channel: str = field(default_factory=lambda: f"sos-hub-faults-{uuid.uuid4().hex[:8]}")

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}"

    def ws_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{p}/socket.io/?EIO=4&transport=websocket" for p in self.ports]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(
            {
                "HUB_DATABASE_URL": f"sqlite:///{self.workdir}/hub.db",
                "HUB_RATE_LIMITS": "off",
                "HUB_SECRET_KEY": "bench-faults",
                "HUB_PUBLIC_URL": self.origin,
                "HUB_SOCKETS_PER_ADDRESS": "100000",
                "HUB_LANGUAGE_DETECTION": "off",
                "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
            }
        )
        if self.redis_url:
            env["HUB_REDIS_URL"] = self.redis_url
            env["HUB_REDIS_CHANNEL"] = self.channel
        env.update(self.extra_env)
        return env

    def cli(self, *args: str) -> dict[str, Any]:
        return cli_json([sys.executable, "-m", "hub.cli"], list(args), self.env(), self.workdir)

    def seed(self, n_instances: int) -> None:
        self.ports = [free_port() for _ in range(n_instances)]
        self.procs = [None] * n_instances
        self.token = seed_cli(lambda args: self.cli(*args))

    def start(self, i: int) -> None:
        cmd = serve_cmd(self.ports[i])
        log_path = Path(self.workdir) / f"hub-{i}.log"
        self.procs[i] = spawn_logged(cmd, self.env(), self.workdir, log_path)

    async def up(self, n_instances: int) -> None:
        """Seed, start `n_instances` instances and wait until each answers /healthz."""
        self.seed(n_instances)
        for i in range(n_instances):
            self.start(i)
        for i in range(n_instances):
            await self.wait_healthy(i)

    def pid(self, i: int) -> int:
        proc = self.procs[i]
        return proc.pid if proc is not None else 0

    def kill(self, i: int) -> None:
        """SIGKILL: the instance dies with its connections, as a crashed host."""
        proc = self.procs[i]
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.procs[i] = None

    def stop_all(self) -> None:
        for i, proc in enumerate(self.procs):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.kill(i)
            self.procs[i] = None

    async def wait_healthy(self, i: int, limit: float = 90.0) -> None:
        deadline = time.monotonic() + limit
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                    async with http.get(self.url(i) + "/healthz") as r:
                        if r.status == 200:
                            return
                proc = self.procs[i]
                if proc is not None and proc.poll() is not None:
                    raise RuntimeError(f"hub {i} exited {proc.returncode}: see {self.workdir}")
                await asyncio.sleep(0.2)
        raise RuntimeError(f"hub {i} not healthy after {limit:.0f} s")

    def log_tail(self, i: int, lines: int = 30) -> str:
        path = Path(self.workdir) / f"hub-{i}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def grep_log(self, i: int, word: str) -> int:
        path = Path(self.workdir) / f"hub-{i}.log"
        return sum(word in line for line in path.read_text(errors="replace").splitlines())


# ------------------------------------------------------------------ consoles
class Consoles:
    """A consoles.py subprocess: N resuming consoles spread over the instances' URLs."""

    def __init__(
        self, hubs: Hubs, n: int, urls: list[str] | None = None, all_first: bool = False
    ) -> None:
        self.hubs = hubs
        self.all_first = all_first
        self.n = n
        self.urls = urls or hubs.ws_urls()
        self.proc: asyncio.subprocess.Process | None = None
        self.lock = asyncio.Lock()

    async def start(self) -> dict[str, Any]:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "consoles.py"),
            "--urls",
            ",".join(self.urls),
            "--origin",
            self.hubs.origin,
            "--token",
            self.hubs.token,
            "--clients",
            str(self.n),
            *(["--all-first"] if self.all_first else []),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
            start_new_session=True,
        )
        return await self._read()

    async def _read(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError("consoles.py exited")
        return dict(json.loads(line))

    async def ask(self, cmd: dict[str, Any]) -> dict[str, Any]:
        async with self.lock:
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
            await self.proc.stdin.drain()
            return await self._read()

    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    async def wait_connected(self, n: int, limit: float = 180.0) -> dict[str, Any]:
        deadline = time.monotonic() + limit
        while True:
            st = await self.ask({"cmd": "status"})
            if st["connected"] >= n or time.monotonic() > deadline:
                return st
            await asyncio.sleep(0.5)

    async def settle(self, ids: list[str], limit: float) -> tuple[dict[str, Any], float]:
        """Wait until every console has every id (or `limit` s); the last check and the wait."""
        t0 = time.monotonic()
        while True:
            check = await self.ask({"cmd": "check", "ids": ids})
            if check["missing"] == 0 or time.monotonic() - t0 > limit:
                return check, time.monotonic() - t0
            await asyncio.sleep(1.0)

    async def quiesce(self, limit: float = 30.0) -> dict[str, Any]:
        """Wait until every `resume` sent has had its `resume.done`; the last status."""
        deadline = time.monotonic() + limit
        while True:
            st = await self.ask({"cmd": "status"})
            if st["resume_done"] >= st["resumes"] or time.monotonic() > deadline:
                return st
            await asyncio.sleep(0.5)

    async def quit(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ask({"cmd": "quit"}), 15)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self.proc.wait()


# ------------------------------------------------------------------ posting
@dataclass
class Poster:
    """Posts SOS open loop at `rate` per second, round robin over `targets` (base URLs)."""

    targets: list[str]
    origin: str
    rate: float
    records: list[dict[str, Any]] = field(default_factory=list)
    timeout: float = 30.0

    async def _post(self, http: aiohttp.ClientSession, i: int) -> None:
        rec: dict[str, Any] = {"i": i, "t": time.monotonic(), "status": 0}
        self.records.append(rec)
        base = self.targets[i % len(self.targets)]
        headers = {"Origin": self.origin, "Cookie": f"sos_device={uuid.uuid4().hex}"}
        body = {"point": "bench1", "anonymous": True, "text": sos_text(i)}
        try:
            async with http.post(base + "/api/v1/sos", json=body, headers=headers) as r:
                rec["status"] = r.status
                raw = await r.read()
                if r.status == 201:
                    rec["id"] = str(json.loads(raw)["id"])
                else:
                    rec["error"] = raw[:200].decode(errors="replace")
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            rec["error"] = f"{type(exc).__name__}: {exc}"[:200]
        rec["ms"] = (time.monotonic() - rec["t"]) * 1000

    async def run(self, seconds: float) -> None:
        """Post for `seconds`, then wait for every answer."""
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        conn = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(timeout=timeout, connector=conn) as http:
            t0 = time.monotonic()
            tasks: list[asyncio.Task[None]] = []
            i = len(self.records)
            n = 0
            while True:
                due = t0 + n / self.rate
                if due - t0 >= seconds:
                    break
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
                tasks.append(asyncio.create_task(self._post(http, i + n)))
                n += 1
            await asyncio.gather(*tasks)

    def rows(self, sent: str = "SOS sent", p99: bool = True) -> list[tuple[str, Any]]:
        """The verdict's first rows: SOS sent, the answers by status (and the POST p99)."""
        out: list[tuple[str, Any]] = [(sent, len(self.records)), ("answers", self.statuses())]
        if p99:
            out.append(("POST p99 ms", f"{self.p99_ms():.0f}"))
        return out

    def created(self) -> list[str]:
        return [r["id"] for r in self.records if r.get("id")]

    def statuses(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.records:
            out[str(r["status"])] = out.get(str(r["status"]), 0) + 1
        return out

    def p99_ms(self) -> float:
        ms = sorted(r["ms"] for r in self.records if "ms" in r)
        return ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else 0.0


def describe_missing(records: list[dict[str, Any]], by_id: dict[str, int], t_fault: float) -> str:
    """Which SOS were missed (post time relative to the fault, seconds) and by how many."""
    rows = [(round(r["t"] - t_fault, 1), by_id[r["id"]]) for r in records if r.get("id") in by_id]
    rows.sort()
    if not rows:
        return "none"
    return (
        f"{len(rows)} SOS, posted at t-fault = {rows[0][0]} .. {rows[-1][0]} s "
        f"(t, consoles without it): {rows[:6]} .. {rows[-3:]}"
    )


def stored_ticket_ids(workdir: str) -> set[str]:
    """Every ticket id in the SQLite file (read-only, after the run)."""
    import sqlite3

    con = sqlite3.connect(f"file:{workdir}/hub.db?mode=ro", uri=True, timeout=30)
    try:
        rows = con.execute("SELECT json_extract(doc, '$.id') FROM tickets").fetchall()
    finally:
        con.close()
    return {str(r[0]) for r in rows}


# ------------------------------------------------------------------ verdict
def verdict(lines: list[tuple[str, Any]], lost: int) -> int:
    """Print the figures and `lost=N`; the exit status (1 when anything was lost)."""
    for label, value in lines:
        print(f"  {label:<34} {value}")
    print(machine_load())
    print(f"lost={lost}", flush=True)
    return 1 if lost else 0


def delivery_rows(
    check: dict[str, Any],
    poster: Poster,
    consoles: int,
    workdir: str,
    t_fault: float,
    expected: str = "expected deliveries",
) -> tuple[list[tuple[str, Any]], int, set[str]]:
    """What the consoles received against what was answered 201 and what is stored: the
    verdict's rows, `lost` (pairs missing plus events received that are not stored) and the
    stored ticket ids."""
    n = len(poster.created())
    stored = stored_ticket_ids(workdir)
    not_stored = [i for i in check["unexpected"] if i not in stored]
    rows: list[tuple[str, Any]] = [
        (expected, n * consoles),
        ("received (distinct)", n * consoles - check["missing"]),
        ("missing", f"{check['missing']} on {check['consoles_missing']} consoles"),
        ("received but not stored", len(not_stored)),
        ("consoles missing some", check["missing_consoles"] or "none"),
        ("missed SOS", describe_missing(poster.records, check["missing_by_id"], t_fault)),
    ]
    return rows, check["missing"] + len(not_stored), stored


async def teardown(
    consoles: Consoles | None, hubs: Hubs, workdir: str, keep: bool, redis: Redis | None = None
) -> None:
    """Quit the consoles, stop the instances and Redis, remove the temp dir (unless kept)."""
    if consoles is not None:
        await consoles.quit()
    hubs.stop_all()
    if redis is not None:
        redis.stop()
    remove_workdir(workdir, keep)


def make_workdir(keep: bool) -> str:
    path = tempfile.mkdtemp(
        prefix="sos-faults-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None
    )
    if keep:
        log(f"temp dir (kept): {path}")
    return path


def remove_workdir(path: str, keep: bool) -> None:
    if not keep:
        shutil.rmtree(path, ignore_errors=True)
