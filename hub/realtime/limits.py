"""A cap on open socket.io connections per network address, counted in this process.

Guests of a hotel or a stadium share one public address, so the cap is generous (it stops
one machine from holding thousands of sockets, not a crowd). It sits at the Engine.IO level,
around socket.io's own `connect`/`disconnect` handlers, so every transport counts and a
refused handshake never reaches a namespace. Each instance counts its own connections:
behind a load balancer the effective cap is per instance, which is what protects it.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import socketio

from hub.http.client_address import client_address
from hub.settings import Settings

log = logging.getLogger(__name__)


class ConnectionCap:
    """Admits at most `cap` open Engine.IO sessions per client address."""

    def __init__(self, cap: int, trusted_proxies: tuple[str, ...] = ()) -> None:
        self.cap = cap
        self.trusted_proxies = trusted_proxies
        self.open: Counter[str] = Counter()
        self._address_of: dict[str, str] = {}

    def address(self, environ: dict[str, Any]) -> str:
        """The client's address: the ASGI peer (python-engineio's REMOTE_ADDR is a constant)."""
        scope = environ.get("asgi.scope") or {}
        peer = (scope.get("client") or (environ.get("REMOTE_ADDR"),))[0]
        return client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted_proxies)

    def admit(self, eio_sid: str, environ: dict[str, Any]) -> bool:
        """Count this session in, or say no when its address already holds `cap` of them."""
        address = self.address(environ)
        if self.open[address] >= self.cap:
            log.warning("socket.io connection refused: %s already holds %d", address, self.cap)
            return False
        self.open[address] += 1
        self._address_of[eio_sid] = address
        return True

    def release(self, eio_sid: str) -> None:
        """Count a closed session out (unknown ids are ignored: refused ones were never in)."""
        address = self._address_of.pop(eio_sid, None)
        if address is None:
            return
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]


def install_connection_cap(sio: socketio.AsyncServer, settings: Settings) -> ConnectionCap | None:
    """Wrap socket.io's Engine.IO connect/disconnect handlers in the cap (None: limits off)."""
    if not settings.rate_limits:
        return None
    cap = ConnectionCap(settings.sockets_per_address, settings.trusted_proxies)
    eio = sio.eio
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
