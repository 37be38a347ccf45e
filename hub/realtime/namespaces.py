"""The socket.io namespaces: /staff (consoles), /thread (customers)."""

from __future__ import annotations

import logging
from typing import Any

import socketio

from hub.errors import NotFound
from hub.ports import Store
from hub.realtime.publisher import staff_payload, tenant_room, ticket_room
from hub.staff_auth import StaffAuth
from hub.tickets.services import TicketService

log = logging.getLogger(__name__)

REPLAY_PAGE = 500


class StaffNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """Consoles: live ticket events for their tenant, and `resume` to replay missed ones."""

    def __init__(self, store: Store, auth: StaffAuth) -> None:
        super().__init__("/staff")
        self.store = store
        self.auth = auth

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        user = None
        if isinstance(auth, dict) and auth.get("token"):
            user = await self.auth.from_token(auth.get("token"))
        if user is None:
            user = await self.auth.from_cookie_header(environ.get("HTTP_COOKIE"))
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")
        await self.save_session(
            sid, {"tenant_id": user["tenant_id"], "user_id": user["id"], "role": user["role"]}
        )
        await self.enter_room(sid, tenant_room(user["tenant_id"]))
        await self.enter_room(sid, f"user:{user['id']}")

    async def on_resume(self, sid: str, data: Any = None) -> None:
        """Replay, in seq order, every staff event after `since`; then `resume.done`."""
        since = data.get("since") if isinstance(data, dict) else None
        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            await self.emit(
                "error",
                {"code": "invalid", "message": "since must be a whole number >= 0"},
                to=sid,
            )
            return
        session = await self.get_session(sid)
        tenant_id = session["tenant_id"]
        while True:
            events = await self.store.events_after(tenant_id, since, REPLAY_PAGE)
            for event in events:
                if event.staff is not None:
                    await self.emit(event.name, staff_payload(event), to=sid)
            if len(events) < REPLAY_PAGE:
                break
            since = events[-1].seq
        await self.emit("resume.done", {"seq": await self.store.latest_seq(tenant_id)}, to=sid)


class ThreadNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A customer's private thread: replies and status changes of one ticket."""

    def __init__(self, tickets: TicketService) -> None:
        super().__init__("/thread")
        self.tickets = tickets

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("thread_token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or len(token) > 200:
            raise socketio.exceptions.ConnectionRefusedError("unknown conversation")
        try:
            ticket = await self.tickets.by_thread_token(token)
        except NotFound:
            raise socketio.exceptions.ConnectionRefusedError("unknown conversation") from None
        await self.enter_room(sid, ticket_room(ticket["id"]))
