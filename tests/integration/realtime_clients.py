"""Socket.io test clients that behave like the real console and thread page, plus hub helpers.

A `Console` records every event it receives, keeps the highest `seq` it has seen, and (when
asked to) resumes with it on every (re)connect and on `resync`, ignoring events whose `seq`
it already has: the client side of the contract, so tests can check what a user would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import socketio

from hub.store.sqlite import SqliteStore
from tests.helpers import HubProcess, Seeded, seed_tenant

TICKET_EVENTS = (
    "ticket.created",
    "ticket.updated",
    "ticket.message",
    "ticket.note",
    "ticket.attachment",
)
OTHER_EVENTS = ("resume.done", "error", "resync", "floods.held")
HTTP_TIMEOUT = 30.0  # seconds; generous for the same reason (password hashing, SQLite)
START_TIMEOUT = 90.0  # seconds; a hub boots in ~3 s, but much slower on a busy 2-core box


async def seed_file(db_path: Path, *slugs: str) -> dict[str, Seeded]:
    """Seed tenants straight into the SQLite file the hub processes will serve."""
    store = SqliteStore(db_path)
    await store.open()
    try:
        return {slug: await seed_tenant(store, slug) for slug in slugs}
    finally:
        await store.close()


def start_hubs(envs: Iterable[dict[str, str]]) -> list[HubProcess]:
    """Start several `sos-hub serve` processes at once (each takes seconds to boot)."""
    procs = [HubProcess(env) for env in envs]
    with ThreadPoolExecutor(len(procs)) as pool:
        futures = [pool.submit(p.start, START_TIMEOUT) for p in procs]
        errors = [f.exception() for f in futures]
    if any(errors):
        for p in procs:
            p.stop()
        raise next(e for e in errors if e is not None)
    return procs


async def login_cookie(base_url: str, email: str, password: str) -> str:
    """Log in through the API; return the session cookie as a `Cookie` header value."""
    async with httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT) as http:
        r = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


async def wait_all(
    consoles: Iterable[Console],
    check: Callable[[Console], bool],
    within: float,
    what: str | Callable[[Console], str],
) -> None:
    """Wait until `check(console)` holds for every console, each within `within` seconds."""
    for console in consoles:
        said = functools.partial(what, console) if callable(what) else what
        await console.wait_for(functools.partial(check, console), within, said)


class Console:
    """A socket.io client on one namespace that records what it receives."""

    def __init__(
        self,
        url: str,
        namespace: str = "/staff",
        *,
        auth: dict[str, Any] | None = None,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
        reconnection: bool = False,
        auto_resume: bool = False,
    ) -> None:
        self.url = url
        self.namespace = namespace
        self.auth = auth
        self.headers = {**(headers or {}), **({"Cookie": cookie} if cookie else {})}
        self.auto_resume = auto_resume
        self.sio = socketio.AsyncClient(
            reconnection=reconnection,
            reconnection_delay=0.1,
            reconnection_delay_max=0.5,
            randomization_factor=0.0,
        )
        self.received: list[tuple[str, Any]] = []  # every event, duplicates included
        self.shown: dict[int, tuple[str, Any]] = {}  # by seq, after de-duplication
        self.duplicates = 0
        self.max_seq = 0
        self.connects = 0
        self.disconnects = 0
        self.connect_errors: list[Any] = []
        self._changed = asyncio.Event()
        for name in (*TICKET_EVENTS, *OTHER_EVENTS):
            self.sio.on(name, self._recorder(name), namespace=namespace)
        self.sio.on("connect", self._on_connect, namespace=namespace)
        self.sio.on("disconnect", self._on_disconnect, namespace=namespace)
        self.sio.on("connect_error", self._on_connect_error, namespace=namespace)

    def _recorder(self, name: str) -> Callable[[Any], Any]:
        async def record(data: Any = None) -> None:
            self.received.append((name, data))
            seq = data.get("seq") if isinstance(data, dict) else None
            if name in TICKET_EVENTS and isinstance(seq, int):
                if seq in self.shown:
                    self.duplicates += 1
                else:
                    self.shown[seq] = (name, data)
                    self.max_seq = max(self.max_seq, seq)
            if name == "resync" and self.auto_resume:
                await self.resume()
            self._changed.set()

        return record

    async def _on_connect(self) -> None:
        self.connects += 1
        if self.auto_resume:
            await self.resume()
        self._changed.set()

    async def _on_disconnect(self, reason: Any = None) -> None:
        self.disconnects += 1
        self._changed.set()

    async def _on_connect_error(self, data: Any = None) -> None:
        self.connect_errors.append(data)
        self._changed.set()

    async def connect(self) -> Console:
        """Connect over websocket only (long-polling disconnects are slow in tests)."""
        try:
            await self.sio.connect(
                self.url,
                namespaces=[self.namespace],
                auth=self.auth,
                headers=self.headers,
                transports=["websocket"],
                wait_timeout=10,
            )
        except BaseException:
            await self.sio.eio.disconnect(abort=True)  # a refused handshake leaves its session open
            raise
        return self

    async def close(self) -> None:
        """Disconnect, stop any reconnection attempts and release the HTTP session."""
        await self.sio.shutdown()
        await self.sio.eio.disconnect(abort=True)

    async def resume(self, since: Any = ...) -> None:
        """Ask for everything after `since` (default: the highest seq seen)."""
        await self.sio.emit(
            "resume", {"since": self.max_seq if since is ... else since}, namespace=self.namespace
        )

    @property
    def connected(self) -> bool:
        return self.namespace in self.sio.namespaces

    def events(self, *names: str) -> list[Any]:
        """Payloads received with these names (all names when none given), in order."""
        return [data for name, data in self.received if not names or name in names]

    def names(self) -> list[str]:
        return [name for name, _ in self.received]

    async def wait_for(
        self, check: Callable[[], bool], within: float, what: str | Callable[[], str]
    ) -> None:
        """Wait until `check()` holds, re-checking on every event; fail after `within` s."""
        deadline = time.monotonic() + within
        while not check():
            left = deadline - time.monotonic()
            if left <= 0:
                said = what() if callable(what) else what
                raise AssertionError(
                    f"timed out after {within:.1f} s waiting for {said}; got {self.names()[-20:]}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))

    async def next_event(self, name: str, within: float) -> Any:
        """The next `name` event after those already received."""
        start = len(self.events(name))
        await self.wait_for(lambda: len(self.events(name)) > start, within, name)
        return self.events(name)[start]
