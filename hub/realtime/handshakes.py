"""A rate of new Engine.IO sessions per network address, refused before one is created.

Why: a session that no namespace has admitted yet is "pending" (hub/realtime/limits.py),
and at its address's pending cap a new one closes the oldest. Handshakes cost nothing to
send, so without a rate a script behind a hotel's address could open thousands a second
and close a console's session in the milliseconds between its handshake and its sign-in.
With one, a flood is answered 429 before Engine.IO builds anything (no session, no timer,
no connect handler), and the pending sessions it can push through churn slowly: after the
burst, PENDING_PER_ADDRESS of them take 15 s at HANDSHAKE_RATE, and since the burst is
smaller than that cap, a session is never pushed out within 5 s of its handshake (a
console signs in within a round trip).

Generous, as every limit per address: a hotel's 200 consoles behind one NAT reconnecting
at once after a restart all fit in the burst (and in the pending cap, so none pushes
another out). Sockets beyond that (guests' thread pages, more consoles) get 429 with
`Retry-After` and their socket.io client tries again with its back-off. Admitted sessions
are never closed to make room: only pending ones are. Counted per instance, like the cap.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

HANDSHAKE_BURST = 200  # new sessions one network may open at once: a restart's reconnect storm
HANDSHAKE_RATE = 20.0  # per second after that, sustained
_SWEEP_AT = 4096  # buckets kept before full ones are forgotten

Asgi = Callable[..., Awaitable[Any]]


class HandshakeRate:
    """A token bucket per network: `burst` handshakes at once, then `per_second`."""

    def __init__(
        self,
        burst: int = HANDSHAKE_BURST,
        per_second: float = HANDSHAKE_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = float(burst)
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # network: (tokens, when)
        self._sweep_at = _SWEEP_AT

    def take(self, network: str) -> float:
        """0 when `network` may open a session now (counted); else the seconds to wait
        (nothing counted: a refused handshake costs its network nothing more)."""
        now = self.clock()
        tokens = self._tokens(network, now)
        if tokens < 1.0:
            self._buckets[network] = (tokens, now)
            return (1.0 - tokens) / self.per_second
        self._buckets[network] = (tokens - 1.0, now)
        if len(self._buckets) > self._sweep_at:
            self._forget_full(now)
        return 0.0

    def _tokens(self, network: str, now: float) -> float:
        tokens, when = self._buckets.get(network, (self.burst, now))
        return min(self.burst, tokens + (now - when) * self.per_second)

    def _forget_full(self, now: float) -> None:
        """A full bucket is the same as none: forget those (many networks, little memory)."""
        full = [n for n in self._buckets if self._tokens(n, now) >= self.burst]
        for network in full:
            del self._buckets[network]
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._buckets))


def opens_session(scope: dict[str, Any]) -> bool:
    """Whether this Engine.IO request asks for a new session (a GET or a websocket without
    `sid`, as python-engineio tells them apart)."""
    if scope.get("type") == "http" and scope.get("method") != "GET":
        return False
    query = parse_qs(bytes(scope.get("query_string") or b"").decode("utf-8", "replace"))
    return "sid" not in query


def forwarded_for(scope: dict[str, Any]) -> str | None:
    """The X-Forwarded-For header(s) of an ASGI request, joined as Engine.IO joins them."""
    values = [
        v.decode("latin-1")
        for k, v in scope.get("headers") or ()
        if k.lower() == b"x-forwarded-for"
    ]
    return ",".join(values) or None


async def refuse(scope: dict[str, Any], receive: Asgi, send: Asgi, wait: float) -> None:
    """Answer 429 with `Retry-After` and the hub's JSON error, to a poll or a websocket
    handshake (uvicorn's denial response; a plain close where a server has none)."""
    retry_after = max(1, math.ceil(wait))
    body = json.dumps(
        {
            "error": {
                "code": "rate_limited",
                "message": f"too many new connections from your network; "
                f"try again in {retry_after} s",
            }
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"retry-after", str(retry_after).encode())]
    if scope.get("type") == "websocket":
        await receive()  # websocket.connect
        if "websocket.http.response" not in (scope.get("extensions") or {}):
            await send({"type": "websocket.close", "code": 1013})  # "try again later"
            return
        start, part = "websocket.http.response.start", "websocket.http.response.body"
    else:
        start, part = "http.response.start", "http.response.body"
    await send({"type": start, "status": 429, "headers": headers})
    await send({"type": part, "body": body})


def install_handshake_rate(
    eio: Any, rate: HandshakeRate, network: Callable[[str | None, str | None], str]
) -> None:
    """Put `rate` in front of Engine.IO's request handler: a handshake over its network's
    rate is answered 429 before python-engineio sees it. `network(peer, forwarded_for)`
    names the client's network as the socket cap does."""
    inner = eio.handle_request

    async def handle_request(scope: dict[str, Any], receive: Asgi, send: Asgi) -> Any:
        if opens_session(scope):
            client = scope.get("client") or (None,)
            where = network(client[0], forwarded_for(scope))
            wait = rate.take(where)
            if wait:
                # debug: under a flood this happens thousands of times a minute
                log.debug("socket.io handshake refused: %s is over its handshake rate", where)
                await refuse(scope, receive, send, wait)
                return None
        return await inner(scope, receive, send)

    eio.handle_request = handle_request
