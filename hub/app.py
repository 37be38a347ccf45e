"""create_app(settings): the hub's composition root, where adapters meet services.

An RQ job wires its own delivery side the same way (worker/context.py, hub/notify/setup.py).
"""

from __future__ import annotations

import gc
import logging
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import socketio
from quart import Quart, g, request
from quart_auth import QuartAuth

from hub.accounts.access import Access
from hub.accounts.branding import Branding, logo_url
from hub.accounts.directory import Accounts
from hub.accounts.first_run import FirstRun
from hub.accounts.kiosk_watch import Clock, KioskWatch
from hub.accounts.kiosks import Kiosks
from hub.accounts.scans import Scans
from hub.accounts.setup import Setup
from hub.accounts.staff_auth import StaffAuth
from hub.accounts.team import SendLink, Team
from hub.alerts.book import AlertBook
from hub.answers.service import CannedAnswers
from hub.attachments.photos import MAX_PHOTO_BYTES
from hub.attachments.service import Attachments
from hub.calendar_names import calendar_names
from hub.clock import now, parse_iso
from hub.container import Hub
from hub.exports.service import Exports
from hub.http.ratelimit import RateLimiter
from hub.http.recent import recent_visits
from hub.http.uploads import MAX_BODY_BYTES, HubRequest
from hub.i18n import (
    DEFAULT,
    NAMES,
    STAFF,
    SUPPORTED,
    browser_languages,
    choose_language,
    current_language,
    customer_surface,
    format_day,
    format_moment,
    format_number,
    format_short_day,
    language_name,
    load_catalogs,
)
from hub.installation.businesses import Installation
from hub.installation.operators import Operators
from hub.moderation.floods import FLOOD_LIMIT, FloodAlarm
from hub.moderation.guard import StoreGuard
from hub.moderation.held_floods import FloodNotice, HeldFloods
from hub.moderation.service import Moderation
from hub.moderation.strikes import InsultStrikes
from hub.notify.channels import unconfigured as unconfigured_channels
from hub.notify.email import SmtpTransport
from hub.notify.invitations import LinkMailer
from hub.notify.kiosk_notices import KioskNotices
from hub.notify.notices import ManagerNotices
from hub.notify.outbox import Deliveries
from hub.notify.setup import build_delivery, build_queue
from hub.ports import Store
from hub.printables.service import Printables
from hub.realtime.namespaces import KioskNamespace, StaffNamespace, ThreadNamespace
from hub.realtime.publisher import EventLog, SocketioPublisher
from hub.realtime.pubsub import HubRedisManager
from hub.realtime.server import build_sio, resync_local_consoles
from hub.routes.openapi import INFO as API_INFO
from hub.routes.openapi import SECURITY_SCHEMES, HubSchema
from hub.settings import Settings
from hub.store import memo as store_memo
from hub.store import open_blobs, open_store
from hub.store.probe import StoreProbe
from hub.surveys.export_rows import StandaloneSurveys
from hub.surveys.invitations import SurveyInvitations
from hub.surveys.service import Surveys
from hub.tickets.events import EVENT_NAMES
from hub.tickets.model import (
    ATTACHMENTS_MAX,
    BOARD_STATUSES,
    CATEGORY_GROUPS,
    CATEGORY_ORDER,
    Category,
    category_group,
)
from hub.tickets.rulebook import RuleBook
from hub.tickets.services import TicketService
from hub.tickets.stats import TicketStats
from hub.tickets.waiting import WaitingTimes
from hub.translate.detect import TICKET_LANGUAGES, detect_if_ready, start_detection
from hub.turns import sender_turns

__all__ = ["GC_THRESHOLD", "Hub", "create_app", "tune_gc"]

# The package's own web/ and static/ (links to the top-level folders in a checkout, real
# folders in an installed wheel).
PACKAGE_DIR = Path(__file__).resolve().parent
GC_THRESHOLD = (50_000, 10, 10)
log = logging.getLogger(__name__)


def tune_gc() -> None:
    """Freeze start-up objects and raise the gen-0 threshold.

    With stock settings the cyclic collector stalled fan-out for ~170 ms every few events
    at 1,000 consoles; the objects alive after start-up never need scanning again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def create_app(settings: Settings, *, store: Store | None = None, clock: Clock = now) -> Hub:
    """Wire a hub: the store, socket.io with its namespaces, services, Quart and blueprints.

    `clock` is the kiosk watch's and the outbox's (tests move it instead of waiting hours).
    """
    store = store or open_store(settings)
    app = Quart(
        "hub",
        template_folder=str(PACKAGE_DIR / "web"),
        static_folder=str(PACKAGE_DIR / "static"),
        static_url_path="/static",
    )
    app.request_class = HubRequest  # 64 KB bodies, a photo's worth on the two uploads only
    app.secret_key = settings.secret_key
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        QUART_AUTH_COOKIE_SECURE=settings.secure_cookies,
        QUART_AUTH_COOKIE_SAMESITE="Lax",
        QUART_AUTH_COOKIE_HTTP_ONLY=True,
        QUART_AUTH_DURATION=14 * 24 * 3600,
        QUART_SCHEMA_CONVERT_CASING=False,
    )
    auth_ext = QuartAuth(app)
    HubSchema(
        app,
        openapi_path="/openapi.json",
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
        info=API_INFO,
        # No global requirement: each staff, operator or kiosk route names its own credentials
        # (hub.routes.auth.staff_required …); a route that names none is public.
        security_schemes=SECURITY_SCHEMES,
    )
    blobs = open_blobs(settings, store)
    sio = build_sio(settings)
    publisher = SocketioPublisher(sio, store)
    delivery, delivery_listener = build_delivery(
        settings, store, publisher, build_queue(settings), blobs=blobs, clock=clock
    )
    # A sender held back for insults a third time is blocked, and the managers are e-mailed.
    notices = ManagerNotices(delivery.sender)
    strikes = InsultStrikes(store, notices.auto_blocked)
    surveys = Surveys(store)
    invitations = SurveyInvitations(store, surveys, delivery.sender.schedule)
    flood_notice = FloodNotice(store, sio)  # the consoles hear how many wait as a flood
    tickets = TicketService(
        store,
        publisher,
        # Floods are held back where rate limits are on (a benchmark posts from one address).
        guard=StoreGuard(store, flood_limit=FLOOD_LIMIT if settings.rate_limits else None),
        listeners=[
            delivery_listener,
            strikes,
            FloodAlarm(notices.flood_held, flood_notice.tell),
            invitations,
        ],
        turns=sender_turns(settings.redis_url, settings.secret_key, settings.store_timeout),
        detect=(lambda text, tenant: detect_if_ready(text))
        if settings.language_detection
        else None,
    )
    auth = StaffAuth(
        store,
        lambda token: auth_ext.load_token(token, app=app),
        app.config.get("QUART_AUTH_COOKIE_NAME", "QUART_AUTH"),
    )
    sio.register_namespace(StaffNamespace(store, auth))
    sio.register_namespace(ThreadNamespace(tickets))
    kiosk_watch = KioskWatch(
        store,
        sio,
        notify=KioskNotices(delivery.sender, clock=clock),
        clock=clock,
        every=settings.kiosk_check_every,
    )
    kiosks = Kiosks(store, sio, kiosk_watch, public_url=settings.public_url)
    sio.register_namespace(KioskNamespace(kiosks))
    if isinstance(sio.manager, HubRedisManager):
        sio.manager.on_resync = lambda reason, since: resync_local_consoles(
            sio, store, reason, since
        )

    catalogs = load_catalogs()
    limiter = RateLimiter(settings)
    scans = Scans(store, recent_visits(settings.redis_url, settings.secret_key))
    branding = Branding(store, on_change=kiosks.push_all)
    team = Team(
        store,
        sio,
        public_url=settings.public_url,
        link_hours=settings.invite_hours,
        mailer=_link_mailer(settings),
    )
    the_hub = Hub(
        settings=settings,
        store=store,
        sio=sio,
        tickets=tickets,
        auth=auth,
        quart=app,
        asgi=socketio.ASGIApp(sio, other_asgi_app=app),
        catalogs=catalogs,
        limiter=limiter,
        accounts=Accounts(store),
        setup=Setup(store, on_change=kiosks.push_all),
        access=Access(store, sio, limiter),
        team=team,
        kiosks=kiosks,
        branding=branding,
        moderation=Moderation(store),
        deliveries=Deliveries(store),
        events=EventLog(store),
        stats=TicketStats(store, scans.per_point),
        scans=scans,
        rules=RuleBook(store),
        probe=StoreProbe(store, settings.store_timeout + 2),
        first_run=FirstRun(store, settings.public_url, unconfigured_channels(settings)),
        operators=Operators(store, limiter),
        installation=Installation(store, sio, team),
        answers=CannedAnswers(store),
        alerts=AlertBook(store),
        printables=Printables(store, branding, catalogs, settings.public_url),
        triage=tickets.triage,
        waiting=WaitingTimes(store),
        delivery=delivery,
        attachments=Attachments(tickets, blobs),
        exports=Exports(store, survey_sources=[StandaloneSurveys(store)]),
        surveys=surveys,
        floods=HeldFloods(store, tickets, flood_notice),
    )
    app.extensions["hub"] = the_hub
    _install_i18n(app, the_hub)

    from hub.routes import register_routes
    from hub.routes.operator_auth import install_operator_cookie

    install_operator_cookie(app)  # the operator's own cookie, apart from staff sessions
    register_routes(app)

    @app.before_serving
    async def _open() -> None:
        await store.open()
        await blobs.open()
        await delivery.start()
        kiosk_watch.start()
        tune_gc()
        if settings.language_detection:
            start_detection()  # its models load in a child process, never blocking this one

    @app.after_serving
    async def _close() -> None:
        await delivery_listener.drain()
        await kiosk_watch.stop()
        await delivery.stop()
        await the_hub.limiter.close()
        await scans.drain()
        if scans.recent is not None:
            await scans.recent.close()
        await tickets.turns.close()
        if isinstance(sio.manager, HubRedisManager):
            await sio.manager.close()  # its publishing connection to Redis
        await blobs.close()
        await store.close()

    return the_hub


def _link_mailer(settings: Settings) -> SendLink | None:
    """Invitations and reset links by e-mail, when the hub has a mail server."""
    if not settings.smtp_host:
        return None  # the admin copies the link from the page
    return LinkMailer(SmtpTransport(settings, timeout=15.0))


def _install_i18n(app: Quart, the_hub: Hub) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")

    def _catalog() -> Any:
        return the_hub.catalogs.get(current_language()) or the_hub.catalogs[DEFAULT]

    def gettext(message: str, **variables: Any) -> str:
        text = str(_catalog().gettext(message))
        return text % variables if variables else text

    def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
        text = str(_catalog().ngettext(singular, plural, n))
        return text % {"num": n, **variables}

    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals["logo_url"] = logo_url
    # The model's names, handed to the pages' scripts as data so no page types them again.
    app.jinja_env.globals["event_names"] = EVENT_NAMES
    app.jinja_env.globals["board_statuses"] = [s.value for s in BOARD_STATUSES]
    # Every category value, group by group (the group's own value first), and each one's group.
    app.jinja_env.globals["category_values"] = list(CATEGORY_ORDER)
    app.jinja_env.globals["category_groups"] = {c: category_group(c) for c in CATEGORY_ORDER}
    app.jinja_env.globals["category_group_names"] = list(CATEGORY_GROUPS)
    app.jinja_env.globals["category_values"] = [c.value for c in Category]
    app.jinja_env.globals["photo_limits"] = {"max": ATTACHMENTS_MAX, "bytes": MAX_PHOTO_BYTES}

    app.jinja_env.globals["language_names"] = NAMES
    # Month and weekday names and date patterns for the pages' scripts (<body data-calendar>)
    app.jinja_env.globals["calendar_names"] = calendar_names
    # What an SOS's language can be (the pages' and the detector's), each named for the reader.
    app.jinja_env.globals["ticket_languages"] = TICKET_LANGUAGES
    app.jinja_env.filters["language_name"] = lambda code: language_name(code, current_language())
    app.jinja_env.filters["number"] = lambda value: format_number(value, current_language())
    app.jinja_env.filters["local_moment"] = _local_moment
    app.jinja_env.filters["local_day"] = _local_day
    app.jinja_env.filters["short_days"] = lambda rows: {
        row["key"]: format_short_day(row["key"], current_language()) for row in rows
    }

    @app.before_request
    async def _pick_language() -> None:
        store_memo.begin()  # this request reads its business and settings once
        # Staff pages refine this with the user's own language (hub/routes/pages.py).
        g.lang = choose_language(
            request.args.get("lang"),
            request.cookies.get("lang"),
            browser_languages(),
            DEFAULT,
            SUPPORTED if customer_surface(request.path, request.url_rule) else STAFF,
        )


def _local_day(value: str) -> str:
    """A local day ('2026-10-06', as the date inputs write it) in the page's language."""
    try:
        return format_day(date.fromisoformat(value), current_language())
    except ValueError:
        return value


def _local_moment(value: str, zone: str) -> str:
    """An ISO instant as the business's clock and the page's language write it, with the year
    (a period's bounds on the statistics and survey pages: a manager reads local days)."""
    return format_moment(parse_iso(value), ZoneInfo(zone), current_language(), year=True)
