"""Run the ASGI app under uvicorn (websockets, graceful SIGTERM)."""

from __future__ import annotations

import logging
import signal
import sys
from types import FrameType

import uvicorn

from hub.app import create_app
from hub.realtime.wire import LeanWebSocketProtocol
from hub.settings import Settings

# Seconds a thread may hold the GIL while another waits (Python's default: 5 ms). The
# served hub's event loop shares the GIL with SQLite's thread and the detector's reader;
# at 5 ms each hand-over of a store trip could leave the loop waiting up to that long, and
# at 250 SOS/s with six trips each the POST tail grew with it.
SWITCH_INTERVAL = 0.0005


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT; uvicorn lets in-flight requests finish and closes sockets."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    hub = create_app(settings)
    config = uvicorn.Config(
        hub.asgi,
        host=host,
        port=port,
        lifespan="on",
        # uvicorn's sans-I/O websockets with a lighter per-connection footprint; keep-alive is
        # Engine.IO's own ping, so uvicorn's websocket ping (a timer per connection) is off.
        ws=LeanWebSocketProtocol,
        ws_ping_interval=None,
        # Compression costs ~35 % more CPU per delivery for frames of well under 1 KB.
        ws_per_message_deflate=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
        # X-Forwarded-For is ours to judge (HUB_TRUSTED_PROXIES): uvicorn would otherwise
        # believe it from any loopback peer and let a spoofed header pick the client address.
        proxy_headers=False,
        backlog=4096,
    )
    server = uvicorn.Server(config)
    sys.setswitchinterval(SWITCH_INTERVAL)  # the served process only: tests keep Python's own
    _exit_quietly_on_signals()
    server.run()
    if not server.started:  # the lifespan (store open) failed: uvicorn only logs it
        raise SystemExit(3)


def _exit_quietly_on_signals() -> None:
    """Exit 0 on SIGTERM (130 on SIGINT) once uvicorn has shut down.

    uvicorn re-raises the signal it caught after its graceful shutdown; with Python's
    default handlers that kills the process (status -15) or prints a KeyboardInterrupt.
    """

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0 if signum == signal.SIGTERM else 128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
