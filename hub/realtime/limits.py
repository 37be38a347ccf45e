"""A cap on open socket.io connections per network address, counted in this process.

Guests of a hotel or a stadium share one public address, so the cap is generous (it stops
one machine from holding thousands of sockets, not a crowd). It sits at the Engine.IO level,
around socket.io's own `connect`/`disconnect` handlers, so every transport counts and a
refused handshake never reaches a namespace. Each instance counts its own connections:
behind a load balancer the effective cap is per instance, which is what protects it.

An IPv6 client is counted by its /64 (it picks any address of it at will). A session that
no namespace has admitted yet (no console, thread or kiosk signed in) is "pending": an
address keeps PENDING_PER_ADDRESS of those at most (a new one closes the oldest), and one
still pending JOIN_SECONDS after its handshake is closed. Without that, one machine could
fill the whole cap with bare Engine.IO sessions, no credentials needed, and lock out the
consoles behind the same address (a hotel's one public address). New sessions per address
are also rate-limited before they are created (hub/realtime/handshakes.py), so a flood
cannot push a console's session out between its handshake and its sign-in.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

from hub.http.client_address import client_address, household_of, network_of
from hub.realtime.handshakes import HandshakeRate, install_handshake_rate
from hub.settings import Settings

log = logging.getLogger(__name__)

# Sessions no namespace has admitted yet, per address: room for 200 consoles behind one
# address reconnecting in the same second after a restart, each pending for a round trip,
# and more than a whole handshake burst (HANDSHAKE_BURST), so that a burst saved up by a
# script cannot push out a console that handshook just before it.
PENDING_PER_ADDRESS = 300
JOIN_SECONDS = 15.0  # how long a session may stay outside every namespace


class ConnectionCap:
    """Admits at most `cap` open Engine.IO sessions per client address (its /64 for IPv6).

    A session no namespace has admitted yet is pending: a new session that finds its
    address at the cap, or at `pending_cap` pending ones, closes the address's oldest
    pending session rather than being refused, so a flood of bare sessions churns among
    itself while a console's handshake, followed by its sign-in a few milliseconds later,
    still gets in. One pending for `join_seconds` is closed. `drop` closes a session.

    A session whose namespaces have all let it go (a socket.io DISCONNECT for each, the
    Engine.IO session left open) is pending again: admitted once, it would otherwise hold
    its place for good without being anyone's console.
    """

    def __init__(
        self,
        cap: int,
        trusted_proxies: tuple[str, ...] = (),
        *,
        pending_cap: int = PENDING_PER_ADDRESS,
        join_seconds: float = JOIN_SECONDS,
        drop: Callable[[str], Awaitable[Any]] | None = None,
    ) -> None:
        self.cap = cap
        self.trusted_proxies = trusted_proxies
        self.pending_cap = max(1, min(pending_cap, cap))
        self.join_seconds = join_seconds
        self.drop = drop
        self.open: Counter[str] = Counter()
        # per address, its pending sessions oldest first, each with its deadline
        self.pending: dict[str, dict[str, asyncio.TimerHandle]] = {}
        self._address_of: dict[str, str] = {}
        self._admitted: dict[str, set[str]] = {}  # per session, the namespaces that admitted it
        self._dropping: set[asyncio.Future[Any]] = set()

    def address(self, environ: dict[str, Any]) -> str:
        """The client's network: the ASGI peer (python-engineio's REMOTE_ADDR is a constant),
        an IPv6 one's /64."""
        scope = environ.get("asgi.scope") or {}
        peer = (scope.get("client") or (environ.get("REMOTE_ADDR"),))[0]
        return self.network(peer, environ.get("HTTP_X_FORWARDED_FOR"))

    def network(self, peer: str | None, forwarded_for: str | None) -> str:
        """The network a connection counts for (X-Forwarded-For only from our proxies)."""
        return network_of(client_address(peer, forwarded_for, self.trusted_proxies))

    def admit(self, eio_sid: str, environ: dict[str, Any]) -> bool:
        """Count this session in, pending until a namespace admits it. At the cap, or at the
        pending cap, the address's oldest pending session is closed to make room; only an
        address whose `cap` sessions are all signed in is refused."""
        address = self.address(environ)
        waiting = self.pending.setdefault(address, {})
        if self.open[address] >= self.cap or len(waiting) >= self.pending_cap:
            if not waiting:
                del self.pending[address]
                log.warning("socket.io connection refused: %s already holds %d", address, self.cap)
                return False
            # debug: under a flood of bare sessions this happens thousands of times a minute
            log.debug("%s is at its socket cap: its oldest session not signed in closed", address)
            self._close_pending(next(iter(waiting)))  # counted out once it has closed
        self.open[address] += 1
        self._address_of[eio_sid] = address
        self._pend(eio_sid, address)
        return True

    def _pend(self, eio_sid: str, address: str) -> None:
        """Count the session as pending, closed after `join_seconds` unless a namespace
        admits it; at the pending cap, the address's oldest pending one makes room."""
        waiting = self.pending.setdefault(address, {})
        if len(waiting) >= self.pending_cap:
            self._close_pending(next(iter(waiting)))
            waiting = self.pending.setdefault(address, {})
        loop = asyncio.get_running_loop()
        waiting[eio_sid] = loop.call_later(self.join_seconds, self._close_pending, eio_sid)

    def joined(self, eio_sid: str | None, namespace: str = "/") -> None:
        """A namespace admitted the session: no longer pending."""
        if eio_sid and eio_sid in self._address_of:
            self._admitted.setdefault(eio_sid, set()).add(namespace)
            self._unpend(eio_sid)

    def left(self, eio_sid: str | None, namespace: str) -> None:
        """The session's client on `namespace` disconnected; with no namespace left that
        admitted it, an open session is pending again (a new deadline)."""
        admitted = self._admitted.get(eio_sid or "")
        if eio_sid is None or admitted is None or namespace not in admitted:
            return  # never admitted there (refused, or a namespace that admits nobody)
        admitted.discard(namespace)
        if admitted:
            return
        del self._admitted[eio_sid]
        self._pend(eio_sid, self._address_of[eio_sid])

    def _unpend(self, eio_sid: str) -> bool:
        """Take the session off its address's pending ones (its deadline cancelled);
        whether it was pending."""
        address = self._address_of.get(eio_sid)
        waiting = self.pending.get(address) if address is not None else None
        handle = waiting.pop(eio_sid, None) if waiting is not None else None
        if handle is None:
            return False
        handle.cancel()
        if not waiting:
            del self.pending[address]  # type: ignore[arg-type]
        return True

    def _close_pending(self, eio_sid: str) -> None:
        if not self._unpend(eio_sid):
            return
        if self.drop is not None:
            task = asyncio.ensure_future(self.drop(eio_sid))
            self._dropping.add(task)
            task.add_done_callback(self._dropping.discard)

    def release(self, eio_sid: str) -> None:
        """Count a closed session out (unknown ids are ignored: refused ones were never in)."""
        self._unpend(eio_sid)
        self._admitted.pop(eio_sid, None)
        address = self._address_of.pop(eio_sid, None)
        if address is None:
            return
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


def install_connection_cap(sio: socketio.AsyncServer, settings: Settings) -> ConnectionCap | None:
    """Wrap socket.io's Engine.IO connect/disconnect handlers in the cap, and its request
    handler in the handshake rate (None: limits off)."""
    if not settings.rate_limits:
        return None
    eio = sio.eio
    cap = ConnectionCap(settings.sockets_per_address, settings.trusted_proxies, drop=eio.disconnect)
    # Floods are refused before this; a site's /56 shares one bucket (its 256 /64s are one).
    install_handshake_rate(eio, HandshakeRate(), lambda *peer: household_of(cap.network(*peer)))
    # A namespace admits a session by putting it in its rooms (hub/realtime/namespaces.py).
    sio.manager.on_join = cap.joined
    sio.manager.on_leave = cap.left
    inner_connect = eio.handlers["connect"]
    inner_disconnect = eio.handlers["disconnect"]

    async def connect(eio_sid: str, environ: dict[str, Any]) -> Any:
        if not cap.admit(eio_sid, environ):
            return False  # Engine.IO answers 401 and never opens the session
        try:
            answer = await inner_connect(eio_sid, environ)
        except BaseException:
            cap.release(eio_sid)
            raise
        if answer is not None and answer is not True:  # refused further in: never opened
            cap.release(eio_sid)
        return answer

    async def disconnect(eio_sid: str, reason: Any = None) -> Any:
        cap.release(eio_sid)
        return await inner_disconnect(eio_sid, reason)

    eio.on("connect", connect)
    eio.on("disconnect", disconnect)
    return cap
