"""SocketioPublisher: stored events out to socket.io rooms (through Redis in scale-out)."""

from __future__ import annotations

from collections.abc import Sequence

import socketio

from hub.ports import Event


def tenant_room(tenant_id: str) -> str:
    """Every console of one business."""
    return f"tenant:{tenant_id}"


def ticket_room(ticket_id: str) -> str:
    """The customer's thread pages of one ticket."""
    return f"ticket:{ticket_id}"


def user_room(user_id: str) -> str:
    """Every console of one staff user."""
    return f"user:{user_id}"


def session_room(user_id: str) -> str:
    """The consoles a staff user opened with the session cookie: logout closes them."""
    return f"session:{user_id}"


def staff_payload(event: Event) -> dict[str, object]:
    """What a console receives: the staff payload with the tenant's `seq` on top."""
    assert event.staff is not None
    return {**event.staff, "seq": event.seq}


class SocketioPublisher:
    """Emit each event to its tenant's /staff room and, when customer-visible, to /thread."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def publish(self, events: Sequence[Event]) -> None:
        """Emit in seq order; customers get their payload without any seq."""
        for event in events:
            if event.staff is not None:
                await self.sio.emit(
                    event.name,
                    staff_payload(event),
                    room=tenant_room(event.tenant_id),
                    namespace="/staff",
                )
            if event.customer is not None and event.ticket_id:
                await self.sio.emit(
                    event.name,
                    event.customer,
                    room=ticket_room(event.ticket_id),
                    namespace="/thread",
                )
