"""The Hub container: what one running hub holds, and how a request reaches it.

Routes import `hub()` from here, never from `hub.app`: the composition root imports the
routes to register them, so the routes must not import it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import socketio
from quart import Quart, current_app

from hub.notify.dispatch import DeliveryService
from hub.ports import Store
from hub.ratelimit import RateLimiter
from hub.settings import Settings
from hub.staff_auth import StaffAuth
from hub.tickets.services import TicketService

__all__ = ["Hub", "hub"]


@dataclass
class Hub:
    """Everything one running hub holds: settings, adapters and services."""

    settings: Settings
    store: Store
    sio: socketio.AsyncServer
    tickets: TicketService
    auth: StaffAuth
    quart: Quart
    asgi: Any
    catalogs: dict[str, Any]
    limiter: RateLimiter
    delivery: DeliveryService | None = None


def hub() -> Hub:
    """The Hub of the app serving the current request."""
    return cast(Hub, current_app.extensions["hub"])
