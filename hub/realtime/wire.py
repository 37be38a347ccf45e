"""uvicorn's sans-I/O websocket protocol, lighter per connection for thousands of consoles.

Used as uvicorn's `ws` class (`hub/serve.py`). Two changes, both memory:

* the receive queue is a `LeanQueue` (a few hundred bytes instead of ~2 KB);
* the parsed handshake request and the response (their header objects) are dropped once
  the response is sent; uvicorn does not read them after that.

Keep-alive is Engine.IO's (its ping every `ping_interval`); uvicorn's own websocket ping
is turned off in `hub/serve.py`, which also saves a timer per connection.
The fan-out writes shared frames straight to this protocol's transport
(`hub/realtime/fanout.py`); it recognises this class as the stock one (a subclass).
"""

from __future__ import annotations

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
