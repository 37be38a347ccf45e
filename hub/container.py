"""The Hub container: what one running hub holds, and how a request reaches it.

Routes import `hub()` from here, never from `hub.app`: the composition root imports the
routes to register them, so the routes must not import it back. Routes reach the store
only through the services held here (tests/unit/test_layers.py checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import socketio
from quart import Quart, current_app

from hub.accounts.access import Access
from hub.accounts.branding import Branding
from hub.accounts.directory import Accounts
from hub.accounts.kiosks import Kiosks
from hub.accounts.staff_auth import StaffAuth
from hub.attachments.service import Attachments
from hub.http.ratelimit import RateLimiter
from hub.moderation.service import Moderation
from hub.notify.dispatch import DeliveryService
from hub.notify.outbox import Deliveries
from hub.ports import Store
from hub.realtime.publisher import EventLog
from hub.settings import Settings
from hub.store.probe import StoreProbe
from hub.tickets.rulebook import RuleBook
from hub.tickets.services import TicketService
from hub.tickets.stats import TicketStats

__all__ = ["Hub", "hub"]


@dataclass
class Hub:
    """Everything one running hub holds: settings, adapters and services.

    `store` is for the composition root, the CLI and tests; routes use the services.
    """

    settings: Settings
    store: Store
    sio: socketio.AsyncServer
    tickets: TicketService
    auth: StaffAuth
    quart: Quart
    asgi: Any
    catalogs: dict[str, Any]
    limiter: RateLimiter
    accounts: Accounts  # tenants, points, departments, users
    access: Access  # login, sessions, passwords, tokens
    kiosks: Kiosks
    branding: Branding
    moderation: Moderation  # filter settings, blocks, masking
    deliveries: Deliveries  # the outbox, read
    events: EventLog  # stored events as consoles see them
    stats: TicketStats
    rules: RuleBook
    probe: StoreProbe
    attachments: Attachments  # photos in conversations: cleaned, stored, served
    delivery: DeliveryService | None = None


def hub() -> Hub:
    """The Hub of the app serving the current request."""
    return cast(Hub, current_app.extensions["hub"])
