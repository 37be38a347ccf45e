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
from hub.accounts.first_run import FirstRun
from hub.accounts.kiosks import Kiosks
from hub.accounts.scans import Scans
from hub.accounts.setup import Setup
from hub.accounts.staff_auth import StaffAuth
from hub.accounts.team import Team
from hub.alerts.book import AlertBook
from hub.answers.service import CannedAnswers
from hub.attachments.service import Attachments
from hub.exports.service import Exports
from hub.http.ratelimit import RateLimiter
from hub.installation.businesses import Installation
from hub.installation.operators import Operators
from hub.moderation.held_floods import HeldFloods
from hub.moderation.service import Moderation
from hub.notify.dispatch import DeliveryService
from hub.notify.outbox import Deliveries
from hub.ports import Store
from hub.printables.service import Printables
from hub.realtime.publisher import EventLog
from hub.settings import Settings
from hub.store.probe import StoreProbe
from hub.surveys.service import Surveys
from hub.tickets.rulebook import RuleBook
from hub.tickets.services import TicketService
from hub.tickets.stats import TicketStats
from hub.tickets.triage_settings import TriageSettings
from hub.tickets.waiting import WaitingTimes

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
    setup: Setup  # a manager's changes: settings, establishments, departments, points
    access: Access  # login, sessions, passwords, tokens
    team: Team  # staff by admins: invitations, roles, deactivation, set-password links
    kiosks: Kiosks
    branding: Branding
    moderation: Moderation  # filter settings, blocks, masking
    deliveries: Deliveries  # the outbox, read
    events: EventLog  # stored events as consoles see them
    stats: TicketStats
    scans: Scans  # openings of the points' pages, per local day
    rules: RuleBook
    probe: StoreProbe
    first_run: FirstRun  # the new business's checklist
    operators: Operators  # the installation's operators: login, sessions
    installation: Installation  # the businesses as the operator sees and runs them
    answers: CannedAnswers  # canned answers per category and language
    printables: Printables  # posters, coasters, … of the access points
    triage: TriageSettings  # the business's word lists and reply targets
    waiting: WaitingTimes  # how long answers usually take, for the customer's page
    attachments: Attachments  # photos in conversations: cleaned, stored, served
    exports: Exports  # CSV files, what customers say, the monthly report
    surveys: Surveys  # the business's own questions, standalone answers, results
    alerts: AlertBook  # threshold alerts (hub/alerts)
    floods: HeldFloods  # SOS held back as a flood: counted, released per network
    delivery: DeliveryService | None = None


def hub() -> Hub:
    """The Hub of the app serving the current request."""
    return cast(Hub, current_app.extensions["hub"])
