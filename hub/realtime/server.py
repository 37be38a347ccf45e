"""Build the socket.io server: in-memory manager embedded, Redis manager in scale-out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import socketio

from hub.errors import StoreUnavailable
from hub.ports import Store
from hub.realtime.fanout import FanoutManager, install_lean_sockets
from hub.realtime.limits import install_connection_cap
from hub.realtime.origins import origin_check
from hub.realtime.publisher import (
    emit_staff_event,
    login_room,
    masking_for_agents,
    session_room,
    token_room,
    user_room,
)
from hub.realtime.pubsub import HubRedisManager
from hub.realtime.replay import seq_before, staff_events
from hub.realtime.sweep import install_sweep
from hub.settings import Settings

MAX_PACKET_BYTES = 64 * 1024
# Replay after a pub/sub gap from this long before the instance last heard anything:
# messages in flight then, and clocks of other instances a little off, are covered.
HEAL_MARGIN_SECONDS = 5.0
# A tenant's catch-up replay the store cannot serve now is tried again in the background
# after these waits (doubling), at most this many times: the events are in the store, and
# a console that saw a newer one meanwhile would never ask for them itself.
REPLAY_RETRY_FIRST = 0.5
REPLAY_RETRY_MAX = 10.0
REPLAY_RETRIES = 12
log = logging.getLogger(__name__)


def build_sio(settings: Settings) -> socketio.AsyncServer:
    """An AsyncServer for ASGI; its Origin check admits only the hub's own origin(s): the
    public one, the allowed ones and the page's own address (hub/realtime/origins.py)."""
    manager = (
        HubRedisManager(settings.redis_url, channel=settings.redis_channel)
        if settings.redis_url
        else FanoutManager()
    )
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        cors_allowed_origins=origin_check(settings),
        max_http_buffer_size=MAX_PACKET_BYTES,
        ping_interval=20,
        ping_timeout=20,
        transports=["websocket", "polling"],
    )
    install_lean_sockets(sio.eio)
    install_sweep(sio.eio)  # in place of python-engineio's, which holds every socket
    install_connection_cap(sio, settings)
    return sio


async def resync_local_consoles(
    sio: socketio.AsyncServer, store: Store, reason: str, since: float
) -> None:
    """Ask this instance's consoles and thread pages to catch up from the store.

    After a gap ("recovered", or "peer": another instance could not publish), first
    replay to local consoles every staff event stored since shortly before the gap
    began: a console that saw a newer event meanwhile would not ask for older ones.
    Consoles ignore the events they already have (by seq).
    """
    if reason != "deaf":
        await replay_to_local_consoles(sio, store, since - HEAL_MARGIN_SECONDS)
    payload = {"reason": reason}
    # ignore_queue: deliver locally only; the point is that the queue is not working.
    await sio.manager.emit("resync", payload, namespace="/staff", room=None, ignore_queue=True)
    await sio.manager.emit("resync", payload, namespace="/thread", room=None, ignore_queue=True)


async def replay_to_local_consoles(sio: socketio.AsyncServer, store: Store, since: float) -> None:
    """Re-emit, per tenant with consoles on this instance, the events stored since `since`.

    A tenant whose replay meets a busy store (locked, slow, failing over) is replayed again
    in the background once it answers; consoles ignore what they already have (by seq).
    """
    rooms = [r for r in sio.manager.rooms.get("/staff", {}) if str(r).startswith("tenant:")]
    for room in rooms:
        tenant_id = room.removeprefix("tenant:")
        try:
            await _replay_tenant(sio, store, tenant_id, since)
        except StoreUnavailable:
            log.warning("replay to %s: the store is busy; trying again in the background", room)
            sio.start_background_task(_replay_later, sio, store, tenant_id, since)
        except Exception:  # one tenant's failure must not keep the others waiting
            log.exception("replay to %s failed", room)


async def _replay_tenant(
    sio: socketio.AsyncServer, store: Store, tenant_id: str, since: float
) -> None:
    after = await seq_before(store, tenant_id, since)
    masking = await masking_for_agents(store, tenant_id)
    async for event in staff_events(store, tenant_id, after):
        await emit_staff_event(sio, store, event, ignore_queue=True, masking=masking)


async def _replay_later(
    sio: socketio.AsyncServer, store: Store, tenant_id: str, since: float
) -> None:
    delay = REPLAY_RETRY_FIRST
    for _ in range(REPLAY_RETRIES):
        await asyncio.sleep(delay)
        try:
            await _replay_tenant(sio, store, tenant_id, since)
            return
        except StoreUnavailable:
            delay = min(delay * 2, REPLAY_RETRY_MAX)
        except Exception:
            log.exception("replay to tenant:%s failed", tenant_id)
            return
    log.error("replay to tenant:%s: the store stayed busy; consoles resume on reconnect", tenant_id)


async def close_sessions(sio: socketio.AsyncServer, user_id: str) -> None:
    """Disconnect the consoles a user opened with their session cookie, on every instance.

    Logging out everywhere ends the browser sessions; consoles on an API token are
    integrations that the token, not the session, authorises, and they stay.
    """
    await close_room(sio, session_room(user_id))


async def close_logins(sio: socketio.AsyncServer, session_ids: Iterable[str]) -> None:
    """Disconnect the consoles opened with these sessions (logout, a password change)."""
    for session_id in session_ids:
        await close_room(sio, login_room(session_id))


async def close_token_consoles(sio: socketio.AsyncServer, user_id: str) -> None:
    """Disconnect the consoles a user opened with their API token (it was replaced)."""
    await close_room(sio, token_room(user_id))


async def close_user(sio: socketio.AsyncServer, user_id: str) -> None:
    """Disconnect every console of a user, cookie and token alike (deactivated)."""
    await close_room(sio, user_room(user_id))


async def close_room(sio: socketio.AsyncServer, room: str) -> None:
    """Disconnect every /staff socket in `room`, on every instance."""
    if isinstance(sio.manager, HubRedisManager):
        await sio.manager.disconnect_room(room, "/staff")
        return
    for sid, _eio_sid in list(sio.manager.get_participants("/staff", room)):
        await sio.disconnect(sid, namespace="/staff")
