"""Staff pages: one decorator that logs the user in, checks the role and finds the tenant once.

A page view decorated with `staff_page(role)` runs only for staff with at least `role`;
anyone else is sent to the login page (and back here after it), or shown a readable 403
page. `render_page` renders a template with the user and the business every page shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from quart import g, make_response, redirect, render_template, request
from werkzeug.urls import iri_to_uri

from hub.accounts.model import Role, public_user
from hub.container import hub
from hub.i18n import DEFAULT, OTHER, STAFF, browser_languages, choose_language
from hub.i18n import gettext as _
from hub.installation.address import Reach, reach_of
from hub.ports import Doc
from hub.routes.auth import current_staff

P = ParamSpec("P")
PageView = Callable[P, Awaitable[Any]]


def forbidden_message(role: Role) -> str:
    """Why a signed-in user's role cannot open a page, in the page's language."""
    if role is Role.admin:
        return _("This page is for administrators.")
    if role is Role.manager:
        return _("This page is for managers.")
    return _("Your role cannot open this page.")


def staff_page(role: Role = Role.agent) -> Callable[[PageView[P]], PageView[P]]:
    """Run the page view only for staff with at least `role` (sets g.staff and g.tenant)."""

    def decorate(view: PageView[P]) -> PageView[P]:
        @wraps(view)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
            user = await current_staff()
            if user is None:
                return redirect("/login?next=" + iri_to_uri(request.path))
            tenant = await hub().accounts.tenant(user["tenant_id"])
            if not Role(user["role"]).allows(role):
                # in the user's staff language, with a way back to the console
                g.lang = staff_language(user, tenant)
                html = await render_template(
                    "error.html", status=403, message=forbidden_message(role), back="/console"
                )
                return await make_response(html, 403)
            g.staff = user
            g.tenant = tenant
            g.lang = staff_language(user, tenant)
            return await view(*args, **kwargs)

        return wrapper

    return decorate


def staff_language(user: Doc, tenant: Doc | None) -> str:
    """?lang=, the cookie, then the browser, among the STAFF languages; a browser that names
    none of them gets the user's own language (else the business's), not English."""
    own = str(user.get("language") or (tenant or {}).get("language") or DEFAULT)
    own = own if own in STAFF else OTHER
    return choose_language(
        request.args.get("lang"), request.cookies.get("lang"), browser_languages(), own, STAFF, own
    )


def page_tenant() -> Doc:
    """The business of the staff page being served (looked up once by `staff_page`)."""
    tenant: Doc = g.tenant or {}
    return tenant


def business_clock(tenant: Doc) -> Callable[[str | None], str]:
    """Stored UTC times as the business reads them: its time zone, the page's language
    ("3/12/26, 18:08" in Spanish, "12/3/26, 6:08 PM" in English); "" for none or a bad value."""
    try:
        zone = ZoneInfo(str(tenant.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")

    def when(iso: str | None) -> str:
        try:
            moment = datetime.fromisoformat(str(iso or "")).astimezone(zone)
        except ValueError:
            return ""
        return str(format_datetime(moment, "short", tzinfo=zone, locale=g.get("lang") or "es"))

    return when


def address_warning() -> dict[str, str] | None:
    """What the set-up pages warn about while guests' phones cannot open the hub's public
    address (`reach`: this_computer or local_network); None when they can."""
    url = hub().settings.public_url
    reach = reach_of(url)
    return None if reach is Reach.internet else {"reach": reach.value, "address": url}


async def render_page(template: str, **context: Any) -> str:
    """A staff page with the user and the business it shows in its header (and `when`, its
    clock for stored times)."""
    tenant = page_tenant()
    return await render_template(
        template, user=public_user(g.staff), tenant=tenant, when=business_clock(tenant), **context
    )
