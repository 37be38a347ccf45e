"""SocketioPublisher: stored events out to socket.io rooms (through Redis in scale-out).

A business may have offensive words masked for its agents (the filter settings). Consoles
join their tenant's room and, by role, the agents' or the leads' room of it; an event that
carries a customer's words with an offensive word in such a business goes masked to the
agents and as written to the leads, every other event once to the whole tenant room.
A live event is masked by the settings of its moment, a replayed one by today's (as the
API does). In scale-out, deploy the hubs before the workers: a console on a hub that
predates these rooms would miss what a newer worker sends to them until it resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import EllipsisType
from typing import Any, Protocol

from hub.accounts.model import Role
from hub.moderation.masking import MASKABLE_EVENTS, agent_masking, mask_staff_event
from hub.ports import Doc, Event, Store
from hub.tickets.filters import FilterConfig

log = logging.getLogger(__name__)

# Stored events read per answer of GET /api/v1/events (held-back ones count too).
EVENTS_PAGE = 500


class Emitter(Protocol):
    """What emits: the socket.io server in a hub, a write-only Redis manager in a worker."""

    async def emit(self, event: str, data: Any = None, **kwargs: Any) -> Any: ...


def tenant_room(tenant_id: str) -> str:
    """Every console of one business."""
    return f"tenant:{tenant_id}"


def ticket_room(ticket_id: str) -> str:
    """The customer's thread pages of one ticket."""
    return f"ticket:{ticket_id}"


def agents_room(tenant_id: str) -> str:
    """The consoles of a business's agents: they may see offensive words masked."""
    return f"agents:{tenant_id}"


def leads_room(tenant_id: str) -> str:
    """The consoles of its managers and admins: they always read the customer's words."""
    return f"leads:{tenant_id}"


def user_room(user_id: str) -> str:
    """Every console of one staff user."""
    return f"user:{user_id}"


def session_room(user_id: str) -> str:
    """The consoles a staff user opened with the session cookie: logout closes them."""
    return f"session:{user_id}"


def login_room(session_id: str) -> str:
    """The consoles opened with one session (one login): ending it closes them."""
    return f"login:{session_id}"


def token_room(user_id: str) -> str:
    """The consoles a staff user opened with their API token: a new token closes them."""
    return f"token:{user_id}"


def staff_payload(event: Event) -> dict[str, Any]:
    """What a console receives: the staff payload with the tenant's `seq` on top."""
    assert event.staff is not None
    return {**event.staff, "seq": event.seq}


def console_view(event: Event, masking: FilterConfig | None) -> dict[str, Any]:
    """A stored event as one console sees it: with its `seq`, masked when `masking` is set.

    The one place a console's view is built: live pushes, `resume` and
    `GET /api/v1/events` all call it, so an agent reads the same words everywhere.
    """
    payload = staff_payload(event)
    if masking is not None and event.name in MASKABLE_EVENTS:
        return mask_staff_event(event.name, payload, masking)
    return payload


async def masking_for(store: Store, tenant_id: str, role: str) -> FilterConfig | None:
    """The masking a staff member of `role` reads events with (agents only; see below)."""
    return await masking_for_agents(store, tenant_id) if role == Role.agent.value else None


async def masking_for_agents(store: Store, tenant_id: str) -> FilterConfig | None:
    """The tenant's settings when it masks for agents; when they cannot be read, the defaults.

    Failing closed: a store hiccup must neither drop the live event nor show an agent
    what the business asked to hide, so the built-in word lists mask it meanwhile.
    """
    try:
        return await agent_masking(store, tenant_id)
    except Exception:
        log.exception("filter settings of %s unreadable: masking with the defaults", tenant_id)
        return FilterConfig(mask_for_agents=True)


async def emit_staff_event(
    sio: Emitter,
    store: Store,
    event: Event,
    *,
    ignore_queue: bool = False,
    masking: FilterConfig | EllipsisType | None = ...,
) -> None:
    """Emit one stored event to its tenant's consoles, masked for agents where asked.

    The filter settings are read for each event that may carry customer text, so a change
    applies from the next event on, on every instance; a caller emitting many events of
    one tenant passes `masking` (from `masking_for_agents`) instead. `ignore_queue`: this
    instance only.
    """
    payload = staff_payload(event)
    masked = payload
    if event.name in MASKABLE_EVENTS:
        if masking is ...:
            masking = await masking_for_agents(store, event.tenant_id)
        masked = console_view(event, masking)
    if masked == payload:
        await sio.emit(
            event.name,
            payload,
            room=tenant_room(event.tenant_id),
            namespace="/staff",
            ignore_queue=ignore_queue,
        )
        return
    await sio.emit(
        event.name,
        masked,
        room=agents_room(event.tenant_id),
        namespace="/staff",
        ignore_queue=ignore_queue,
    )
    await sio.emit(
        event.name,
        payload,
        room=leads_room(event.tenant_id),
        namespace="/staff",
        ignore_queue=ignore_queue,
    )


class SocketioPublisher:
    """Emit each event to its tenant's /staff rooms and, when customer-visible, to /thread."""

    def __init__(self, sio: Emitter, store: Store) -> None:
        self.sio = sio
        self.store = store

    async def publish(self, events: Sequence[Event]) -> None:
        """Emit in seq order; customers get their payload without any seq.

        The filter settings are read once per batch and tenant (a reply is two events).
        """
        masking: dict[str, FilterConfig | None] = {}
        for event in events:
            if event.staff is not None:
                if event.name in MASKABLE_EVENTS and event.tenant_id not in masking:
                    masking[event.tenant_id] = await masking_for_agents(self.store, event.tenant_id)
                await emit_staff_event(
                    self.sio, self.store, event, masking=masking.get(event.tenant_id, ...)
                )
            if event.customer is not None and event.ticket_id:
                await self.sio.emit(
                    event.name,
                    event.customer,
                    room=ticket_room(event.ticket_id),
                    namespace="/thread",
                )


class EventLog:
    """Stored events as a console would have seen them: the HTTP twin of `resume`.

    `resume` pages through everything after `since`; an HTTP client pages itself, one
    answer at a time, by asking again from the `latest` it was given while `has_more`.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    async def after(self, tenant_id: str, since: int, role: str, limit: int = EVENTS_PAGE) -> Doc:
        """`{"items": [{"name", "seq", "data"}], "latest", "has_more"}`: one page of the
        tenant's console events after `since`, each through `console_view` (masked for
        agents when asked).

        `latest` is the last seq this answer covered, never one beyond it: a client that
        asks again from it loses nothing. Events held back from consoles are skipped but
        covered, so a page of them answers no items, a higher `latest` and `has_more`.
        """
        found = await self.store.events_after(tenant_id, since, limit)
        # read after the page: whatever was stored meanwhile shows as `has_more`
        stored = await self.store.latest_seq(tenant_id)
        # nothing after `since`: `since` itself (or the store's last seq, when `since` is
        # beyond anything it holds)
        latest = found[-1].seq if found else min(since, stored)
        masking = await masking_for(self.store, tenant_id, role)
        return {
            "items": [
                {"name": e.name, "seq": e.seq, "data": console_view(e, masking)}
                for e in found
                if e.staff is not None
            ],
            "latest": latest,
            # a full page only: a seq lost to a crash between its number and its write
            # (Mongo) leaves the counter ahead of the events for good, and "ask again" spun
            "has_more": len(found) >= limit and latest < stored,
        }
