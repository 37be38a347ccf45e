"""Build the socket.io server: in-memory manager embedded, Redis manager in scale-out."""

from __future__ import annotations

import socketio

from hub.realtime.pubsub import HubRedisManager
from hub.settings import Settings

MAX_PACKET_BYTES = 64 * 1024


def build_sio(settings: Settings) -> socketio.AsyncServer:
    """An AsyncServer for ASGI; its Origin check admits only the hub's own origin(s)."""
    manager = HubRedisManager(settings.redis_url) if settings.redis_url else None
    origins = [settings.public_origin, *settings.allowed_origins]
    return socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=origins,
        max_http_buffer_size=MAX_PACKET_BYTES,
        ping_interval=20,
        ping_timeout=20,
        transports=["websocket", "polling"],
    )


async def resync_local_consoles(sio: socketio.AsyncServer, reason: str) -> None:
    """Ask this instance's consoles and thread pages to catch up from the store."""
    payload = {"reason": reason}
    # ignore_queue: deliver locally only; the point is that the queue is not working.
    await sio.manager.emit("resync", payload, namespace="/staff", room=None, ignore_queue=True)
    await sio.manager.emit("resync", payload, namespace="/thread", room=None, ignore_queue=True)
