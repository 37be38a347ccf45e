"""The socket.io namespaces: /staff (consoles), /thread (customers), /kiosk (kiosk screens)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import socketio

from hub.accounts.kiosks import Kiosks, kiosk_room
from hub.accounts.model import Role
from hub.accounts.staff_auth import StaffAuth, parse_session_id
from hub.errors import NotFound, StoreUnavailable, Suspended
from hub.ports import MAX_SEQ, Doc, Store
from hub.realtime.publisher import (
    agents_room,
    console_view,
    leads_room,
    login_room,
    masking_for,
    session_room,
    tenant_room,
    ticket_room,
    token_room,
    user_room,
)
from hub.realtime.replay import staff_events
from hub.tickets.services import TicketService

log = logging.getLogger(__name__)

MAX_TOKEN_CHARS = 200
# A resume the store cannot answer now (locked, slow, failing over) is tried again, from the
# last event it replayed, after these waits (doubling), for as long as the console stays.
RESUME_RETRY_FIRST = 0.25
RESUME_RETRY_MAX = 5.0
# A replay emits without ever waiting, so it holds the event loop while it runs. When many
# consoles resume at once (an instance restarted, a hotel's Wi-Fi came back), a few replays
# at a time, each letting other work run every REPLAY_SLICE events, keep the loop (the
# store's deadlines, the intake) responsive; the other consoles wait their turn.
REPLAYS_AT_ONCE = 4
REPLAY_SLICE = 50
# Handshakes whose credential is being looked up at once (see on_connect).
HANDSHAKES_AT_ONCE = 8
# A kiosk beats every 30 s; beats closer than this on one connection (a looping or hostile
# client) are dropped before they reach the store.
HEARTBEAT_MIN_SECONDS = 5.0
# Live pages on one customer's thread, per instance: their phone, a laptop, tabs, a family.
PAGES_PER_THREAD = 20


def _since(data: Any) -> int | None:
    """The `since` of a resume request, or None when malformed."""
    since = data.get("since") if isinstance(data, dict) else None
    if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_SEQ:
        return None
    return since


class StaffNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Consoles: live ticket events for their tenant, and `resume` to replay missed ones."""

    def __init__(self, store: Store, auth: StaffAuth) -> None:
        super().__init__("/staff")
        self.store = store
        self.auth = auth
        self._replays = asyncio.Semaphore(REPLAYS_AT_ONCE)
        self._handshakes = asyncio.Semaphore(HANDSHAKES_AT_ONCE)

    async def _user(self, environ: dict[str, Any], auth: Any) -> tuple[Doc | None, str | None]:
        """The staff user of a handshake, and the session id when the cookie vouched for them."""
        token = auth.get("token") if isinstance(auth, dict) else None
        if isinstance(token, str) and token and len(token) <= MAX_TOKEN_CHARS:
            user = await self.auth.from_token(token)
            if user is not None:
                return user, None
        auth_id = self.auth.session_id_of(environ.get("HTTP_COOKIE"))
        user = await self.auth.from_session(auth_id)
        key = parse_session_id(auth_id) if user is not None else None
        return user, (key.session_id if key else None)

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admit staff with an API token or a session cookie; refuse everyone else.

        A credential the store could not check is refused as "unavailable", never as
        "unauthorized": the console retries the former and sends its user to log in again
        on the latter. A few handshakes at a time look their credential up, so that
        thousands of consoles coming back at once (an instance restarted) queue here rather
        than in the store, where waits past its deadline would fail them all.
        """
        try:
            async with self._handshakes:
                user, session_id = await self._user(environ, auth)
        except Suspended:
            raise socketio.exceptions.ConnectionRefusedError("suspended") from None
        except StoreUnavailable:
            # Busy (thousands of consoles arriving at once after a failover), not a bad
            # credential: "unauthorized" would send the browser to the login page.
            log.warning("a console's handshake met an unavailable store: refused, to retry")
            raise socketio.exceptions.ConnectionRefusedError("unavailable") from None
        except Exception:  # a malformed credential must not look like a server fault
            log.exception("staff handshake failed")
            user, session_id = None, None
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await self.save_session(
            sid, {"tenant_id": user["tenant_id"], "user_id": user["id"], "role": user["role"]}
        )
        await self.enter_room(sid, tenant_room(user["tenant_id"]))
        is_agent = user["role"] == Role.agent.value
        await self.enter_room(sid, (agents_room if is_agent else leads_room)(user["tenant_id"]))
        await self.enter_room(sid, user_room(user["id"]))
        if session_id is not None:  # ending that session (or all of them) closes this console
            await self.enter_room(sid, session_room(user["id"]))
            await self.enter_room(sid, login_room(session_id))
        else:  # a new API token closes the consoles of the old one
            await self.enter_room(sid, token_room(user["id"]))

    async def on_resume(self, sid: str, data: Any = None) -> None:
        """Replay, in seq order, every staff event after `since`; then `resume.done`."""
        since = _since(data)
        if since is None:
            await self.emit(
                "error",
                {"code": "invalid", "message": f"since must be a whole number from 0 to {MAX_SEQ}"},
                to=sid,
            )
            return
        session = await self.get_session(sid)
        progress = [since]  # the seq of the last event replayed, for a retry to go on from
        delay = RESUME_RETRY_FIRST
        while True:
            try:
                async with self._replays:
                    await self._replay(sid, session, progress)
                return
            except StoreUnavailable:
                # A console that asked must get its events and `resume.done`: failing here
                # would leave it without what it missed until it reconnects. The wait is
                # outside the replay slots, so other consoles' replays go on meanwhile.
                if not self.server.manager.is_connected(sid, self.namespace):
                    return
                log.warning("resume of %s: the store is busy; again in %.2f s", sid, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUME_RETRY_MAX)

    async def _replay(self, sid: str, session: dict[str, Any], progress: list[int]) -> None:
        """Replay the events after `progress[0]`, advancing it as they go, then `resume.done`."""
        tenant_id = session["tenant_id"]
        # Replay up to the latest seq as it is now; anything newer arrives live.
        latest = await self.store.latest_seq(tenant_id)
        masking = await masking_for(self.store, tenant_id, session["role"])
        # The console is on this instance (its handler runs here): in scale-out its replay
        # need not cross Redis to every instance (ignore_queue), which at 2,500 consoles
        # resuming at once was most of the cost of an instance's failover.
        sent = 0
        async for event in staff_events(self.store, tenant_id, progress[0], latest):
            await self.emit(event.name, console_view(event, masking), to=sid, ignore_queue=True)
            progress[0] = event.seq
            sent += 1
            if sent % REPLAY_SLICE == 0:
                await asyncio.sleep(0)  # let other work run between slices
        await self.emit("resume.done", {"seq": latest}, to=sid, ignore_queue=True)


class ThreadNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A customer's private thread: replies and status changes of one ticket."""

    def __init__(self, tickets: TicketService) -> None:
        super().__init__("/thread")
        self.tickets = tickets

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admit the holder of a ticket's thread token into that ticket's room only."""
        token = auth.get("thread_token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise socketio.exceptions.ConnectionRefusedError("unknown conversation")
        try:
            ticket = await self.tickets.by_thread_token(token)
        except NotFound:
            raise socketio.exceptions.ConnectionRefusedError("unknown conversation") from None
        room = ticket_room(ticket["id"])
        # One SOS's link is a customer's, on a phone or two: a script holding it must not
        # open the address's whole socket cap (hub/realtime/limits.py) through one link.
        if len(self.server.manager.rooms.get(self.namespace, {}).get(room, ())) >= PAGES_PER_THREAD:
            raise socketio.exceptions.ConnectionRefusedError(
                "too many pages open on this conversation"
            )
        await self.enter_room(sid, room)


class KioskNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A paired kiosk: its whole configuration on connect and after every change."""

    def __init__(self, kiosks: Kiosks) -> None:
        super().__init__("/kiosk")
        self.kiosks = kiosks

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        """Admit the holder of a kiosk's device token into that kiosk's room only."""
        token = auth.get("device_token") if isinstance(auth, dict) else None
        kiosk = (
            await self.kiosks.by_token(token)
            if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS
            else None
        )
        if kiosk is None:
            raise socketio.exceptions.ConnectionRefusedError("unknown kiosk")
        await self.save_session(sid, {"tenant_id": kiosk["tenant_id"], "kiosk_id": kiosk["id"]})
        await self.enter_room(sid, kiosk_room(kiosk["id"]))
        await self.emit("config", await self.kiosks.config(kiosk), to=sid)
        await self.kiosks.seen(kiosk)  # connecting is a sign of life too

    async def on_heartbeat(self, sid: str, data: Any = None) -> None:
        """The kiosk is alive (every HEARTBEAT_SECONDS): noted, flagged back online if off.

        A beat less than HEARTBEAT_MIN_SECONDS after the connection's previous one is dropped
        here, before it costs the store a read or a write.
        """
        session = await self.get_session(sid)
        moment = time.monotonic()
        if moment - float(session.get("beat_at") or 0.0) < HEARTBEAT_MIN_SECONDS:
            return
        session["beat_at"] = moment
        await self.save_session(sid, session)
        await self.kiosks.watch.seen(session["tenant_id"], session["kiosk_id"])
