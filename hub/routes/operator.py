"""The installation's operator: log in, the businesses table, open, suspend and resume.

Pages: /operator/login, /operator. API twins under /api/v1/operator (the operator cookie
only; staff cookies and tokens get 401 here, as the operator cookie does on staff routes).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from babel.dates import format_date
from pydantic import ConfigDict, Field
from quart import Blueprint, g, make_response, redirect, render_template, request
from quart_schema import operation_id, validate_request

from hub.clock import parse_iso
from hub.container import hub
from hub.errors import Unauthorized
from hub.i18n import SUPPORTED, language_name
from hub.installation.businesses import NewBusiness
from hub.installation.operators import public_operator
from hub.routes.auth import refuse_other_sites
from hub.routes.bodies import Body, Flag
from hub.routes.intake import client_network
from hub.routes.login_form import FIELD, browser_value, form_token, remember, token_matches
from hub.routes.openapi import responds
from hub.routes.operator_auth import (
    log_operator_in,
    log_operator_out,
    operator,
    operator_auth_id,
    operator_page,
    operator_required,
)
from hub.routes.staff import safe_next

pages = Blueprint("operator", __name__, url_prefix="/operator")
api = Blueprint("operator_api", __name__, url_prefix="/api/v1/operator")

LOGIN_PATH = "/operator/login"
# The languages a business may speak first: those its customer pages are written in.
BUSINESS_LANGUAGES = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")


class _Model(Body):
    model_config = ConfigDict(str_max_length=400)


class OperatorLoginIn(_Model):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class BusinessIn(_Model):
    """A new business and its first admin (the slug is its address: lowercase, dashes)."""

    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=63)
    language: str = Field(default="es", min_length=2, max_length=3)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)
    admin_email: str = Field(min_length=3, max_length=320)
    admin_name: str | None = Field(default=None, max_length=120)


class BusinessPatch(_Model):
    suspended: Flag


# ---------------------------------------------------------------- pages


async def _login_page(status: int = 200, **context: Any) -> Any:
    value = browser_value()
    html = await render_template(
        "operator/login.html",
        next=_next(context.pop("next_page", None)),
        csrf_token=form_token(value),
        **context,
    )
    return remember(await make_response(html, status), value, LOGIN_PATH)


def _next(target: str | None) -> str:
    """Only an operator page of this site (never a staff page, never another host)."""
    safe = safe_next(target, "/operator")
    return safe if safe.startswith("/operator") else "/operator"


@pages.get("/login")
async def login_page() -> Any:
    return await _login_page(next_page=request.args.get("next"))


@pages.post("/login")
async def login_form() -> Any:
    form = await request.form
    email = form.get("email", "").strip().lower()[:320]
    if not token_matches(form.get(FIELD)):
        return await _login_page(403, next_page=form.get("next"), expired=True, email=email)
    try:
        found = await hub().operators.check_login(email, form.get("password", ""), client_network())
    except Unauthorized:
        return await _login_page(401, next_page=form.get("next"), email=email, failed=True)
    log_operator_in(await hub().operators.start_session(found))
    return redirect(_next(form.get("next")), 303)


@pages.post("/logout")
async def logout() -> Any:
    """End the operator's session; only from the hub's own pages (never another site's form)."""
    refuse_other_sites()
    await hub().operators.log_out(operator_auth_id())
    log_operator_out()
    return redirect(LOGIN_PATH, 303)


@pages.get("")
@operator_page
async def home() -> Any:
    """The businesses on this installation, and the form that opens a new one."""
    return await render_template(
        "operator/home.html",
        operator=public_operator(operator()),
        businesses=await hub().installation.businesses(),
        languages=BUSINESS_LANGUAGES,
        timezones=sorted(available_timezones()),
        lang=g.lang if g.lang in SUPPORTED else "es",
        day=_day,
        language_name=_language_name,
    )


def _day(when: str | None) -> str:
    """A stored time as a date in the reader's language ("3 dic 2026")."""
    return str(format_date(parse_iso(when), "medium", locale=g.lang)) if when else ""


def _language_name(code: str) -> str:
    """A language's name in the reader's language, for the list ("Gallego", "Galician")."""
    return language_name(code, g.lang, capital=True)


# ---------------------------------------------------------------- API


@api.post("/auth/login")
@validate_request(OperatorLoginIn)
async def api_login(data: OperatorLoginIn) -> Any:
    """An operator logs in; the answer sets the operator cookie (never a staff one)."""
    found = await hub().operators.check_login(data.email, data.password, client_network())
    log_operator_in(await hub().operators.start_session(found))
    return {"operator": public_operator(found)}


@api.post("/auth/logout")
async def api_logout() -> Any:
    """End this operator session on the server: the same cookie gets 401 afterwards.

    A browser's post from another site's page is refused (it needs no custom header)."""
    refuse_other_sites()
    await hub().operators.log_out(operator_auth_id())
    log_operator_out()
    return {"ok": True}


@api.get("/tenants")
@operator_required
async def list_tenants() -> Any:
    """Every business with its last 30 days' figures: no ticket, no customer, no staff."""
    return {"items": await hub().installation.businesses()}


@api.post("/tenants")
@responds(201)
@operator_required
@validate_request(BusinessIn)
async def create_tenant(data: BusinessIn) -> Any:
    """Open a business with its first admin (all or nothing): the admin is invited, and their
    one-time `set_password_url` is in this answer only (also e-mailed when `emailed`)."""
    new = NewBusiness(**data.model_dump())
    opened = await hub().installation.open_business(new, operator())
    admin = opened.admin
    return {
        "tenant": opened.business,
        "admin": {k: admin[k] for k in ("id", "email", "name", "role")},
        "set_password_url": opened.set_password_url,
        "expires_at": opened.expires_at,
        "emailed": opened.emailed,
        "login_url": hub().settings.public("/login"),
    }, 201


@api.patch("/tenants/<slug>")
@operation_id("operator_tenant")  # PATCH /api/v1/tenant is patch_tenant
@operator_required
@validate_request(BusinessPatch)
async def patch_tenant(slug: str, data: BusinessPatch) -> Any:
    """Suspend (`{"suspended": true}`) or resume a business; nothing is deleted."""
    return await hub().installation.set_suspended(slug, data.suspended, operator())
