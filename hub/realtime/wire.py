"""uvicorn's sans-I/O websocket protocol, lighter per connection for thousands of consoles.

Used as uvicorn's `ws` class (`hub/serve.py`). Three changes, all memory:

* the receive queue is a `LeanQueue` (a few hundred bytes instead of ~2 KB);
* the parsed handshake request and the response (their header objects) are dropped once
  the response is sent; uvicorn does not read them after that;
* when the connection is lost, websockets' `ServerProtocol` loses its parser. The parser
  is a generator suspended inside the protocol's own method, so its frame holds the
  protocol, which holds the parser: a reference cycle that only the cyclic collector
  frees, and the served hub runs that rarely (`hub.app.tune_gc`: start-up heap frozen,
  gen-0 threshold 50,000), so under reconnection churn closed connections piled up
  into the older generations (bench/README.md, the soak). Closing the generator ends
  its frame: reference counting then frees the protocol as soon as the connection goes.

Keep-alive is Engine.IO's (its ping every `ping_interval`); uvicorn's own websocket ping
is turned off in `hub/serve.py`, which also saves a timer per connection.
The fan-out writes shared frames straight to this protocol's transport
(`hub/realtime/fanout.py`); it recognises this class as the stock one (a subclass).
"""

from __future__ import annotations

import sys
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from hub.realtime.leanqueue import LeanQueue


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """`WebSocketsSansIOProtocol` with a lean receive queue and no handshake kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = LeanQueue()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        accepting = not self.handshake_complete and message.get("type") == "websocket.accept"
        await super().send(message)
        if accepting and self.handshake_complete:
            # the 101 response is on the wire: the request and response objects are done
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        # Nothing feeds the parser after this (uvicorn's `send` raises ClientDisconnected
        # once `disconnected` is set): end it, and with it the protocol's reference cycle.
        self.conn.parser.close()


class _BodyReader:
    """`environ["wsgi.input"]`: Engine.IO's `AwaitablePayload`, defined once.

    python-engineio defines that class inside `translate_request`, so every request,
    and every console for as long as it stays connected (python-socketio keeps the
    environ), holds a class object of its own: about 1.5 KB each.
    """

    __slots__ = ("event", "payload", "receive")

    def __init__(self, event: dict[str, Any], receive: Any) -> None:
        self.event = event
        self.payload: bytes | None = None
        self.receive = receive

    async def read(self, length: int | None = None) -> bytes:
        if self.payload is None and self.event["type"] == "http.request":
            self.payload = self.event.get("body") or b""
            while self.event.get("more_body"):
                self.event = await self.receive()
                if self.event["type"] == "http.request" and (
                    length is None or len(self.payload) < length
                ):
                    self.payload += self.event.get("body") or b""
        payload = self.payload or b""
        if length is None:
            self.payload = b""
            return payload
        self.payload = payload[length:]
        return payload[:length]


async def translate_request(scope: dict[str, Any], receive: Any, send: Any) -> dict[str, Any]:
    """python-engineio's ASGI `translate_request` (4.15), with `_BodyReader` for its class."""
    event = await receive()
    if event["type"] not in ("http.request", "websocket.connect"):
        return {}
    raw_uri = scope["path"]
    query_string = ""
    if scope.get("query_string"):
        try:
            query_string = scope["query_string"].decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raw_uri += "?" + query_string
    environ: dict[str, Any] = {
        "wsgi.input": _BodyReader(event, receive),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.async": True,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": "asgi",
        "REQUEST_METHOD": scope.get("method", "GET"),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": query_string,
        "RAW_URI": raw_uri,
        "SCRIPT_NAME": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "0",
        "SERVER_NAME": "asgi",
        "SERVER_PORT": "0",
        "asgi.receive": receive,
        "asgi.send": send,
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        try:
            name = raw_name.upper().decode("utf-8")
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if name == "CONTENT-TYPE":
            environ["CONTENT_TYPE"] = value
            continue
        if name == "CONTENT-LENGTH":
            environ["CONTENT_LENGTH"] = value
            continue
        key = "HTTP_" + name.replace("-", "_")
        if key in environ:
            value = f"{environ[key]},{value}"
        environ[key] = value
    environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", "http")
    return environ


def install_lean_environ(eio: Any) -> None:
    """Make this Engine.IO server build its environs with `translate_request` above."""
    if isinstance(eio._async, dict) and "translate_request" in eio._async:
        eio._async = {**eio._async, "translate_request": translate_request}
