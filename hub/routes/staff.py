"""Staff pages: log in, the console that stays open all shift, log out."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from quart import Blueprint, make_response, redirect, render_template, request
from quart_auth import AuthUser, current_user, login_user, logout_user

from hub.accounts.access import Opening
from hub.accounts.model import Role, public_user
from hub.clock import new_secret
from hub.container import hub
from hub.errors import Suspended, Unauthorized
from hub.i18n import STAFF
from hub.notify.channels import configured as configured_channels
from hub.ports import Doc
from hub.routes.auth import check_logins, current_staff, refuse_other_sites
from hub.routes.first_run import landing, setup_nudge
from hub.routes.login_choice import FIELD as CHOICE
from hub.routes.login_choice import businesses, choice_token, chosen
from hub.routes.login_form import FIELD, browser_value, form_token, remember, token_matches
from hub.tickets.etiquette import lexicon as etiquette_lexicon
from hub.tickets.model import TRANSITIONS

bp = Blueprint("staff", __name__)


def safe_next(target: str | None, fallback: str = "/console") -> str:
    """Only a path of this site: never redirect a login to another host.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    `/\\evil.example` and `/<TAB>/evil.example` would take them to evil.example: any
    backslash or control character (also percent-encoded) is refused, and what is left
    must parse as a path with no scheme and no host.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return fallback
    decoded = unquote(target)
    if any(_unsafe(ch) for ch in decoded):
        return fallback
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc or decoded.startswith("//"):
        return fallback
    return target


def _unsafe(ch: str) -> bool:
    """A backslash, or a control, format or separator character other than a space."""
    return ch == "\\" or (ch != " " and unicodedata.category(ch)[0] in "CZ")


@bp.get("/")
async def root() -> Any:
    return redirect("/console")


@bp.get("/login")
async def login_page() -> Any:
    return await _login_page(next_page=request.args.get("next"))


async def _login_page(status: int = 200, **context: Any) -> Any:
    """The login form, with a fresh token tied to this browser's pre-login cookie."""
    value = browser_value()
    asked = context.pop("next_page", None)
    html = await render_template(
        "staff/login.html",
        # empty unless a page was asked for: then the login decides where to land
        next=safe_next(asked) if asked else "",
        csrf_token=form_token(value),
        # the languages the staff pages speak (hub.i18n.STAFF); the others would fall back
        languages=STAFF,
        **context,
    )
    return remember(await make_response(html, status), value)


@bp.post("/login")
async def login_form() -> Any:
    form = await request.form
    if not token_matches(form.get(FIELD)):
        # a form from another site, or one that expired: nothing happens, a fresh form
        return await _login_page(
            403, next_page=form.get("next"), expired=True, email=form.get("email", "").strip()[:320]
        )
    email = form.get("email", "").strip().lower()[:320]
    try:
        opened = await check_logins(email, form.get("password", ""))
    except Unauthorized:
        return await _login_page(401, next_page=form.get("next"), email=email, failed=True)
    except Suspended:
        return await _login_page(423, next_page=form.get("next"), email=email, suspended=True)
    if len(opened) > 1:  # the password opened accounts at several businesses: which one?
        return await _choose_page(opened, form.get("next"))
    return await _enter(opened[0].user, form.get("next"))


async def _enter(user: Doc, asked: str | None) -> Any:
    """Start `user`'s session and go where they asked, or where a login lands.

    The browser gets a new pre-login value: the login form's token and the chooser's list
    (tied to the old one) are worth nothing once used, on a shared PC after a logout too."""
    login_user(AuthUser(await hub().access.start_session(user)), remember=True)
    return remember(
        redirect(safe_next(asked) if asked else await landing(user), 303), new_secret(16)
    )


async def _choose_page(opened: list[Opening], asked: str | None) -> Any:
    """The businesses a verified password opened, one button each (hub.routes.login_choice)."""
    value = browser_value()
    html = await render_template(
        "staff/login_choose.html",
        businesses=businesses(opened),
        choice=choice_token(opened),
        csrf_token=form_token(value),
        next=safe_next(asked) if asked else "",
    )
    return remember(await make_response(html), value)


@bp.post("/login/choose")
async def login_choose() -> Any:
    """Log in to the business picked on the chooser; a stale or foreign chooser starts over."""
    form = await request.form
    opening = None
    if token_matches(form.get(FIELD)):
        opening = await chosen(form.get(CHOICE), form.get("business", "")[:64])
    if opening is None:
        return await _login_page(403, next_page=form.get("next"), expired=True)
    return await _enter(opening.user, form.get("next"))


@bp.post("/logout")
async def logout() -> Any:
    """End this session on the server (a copied cookie stops working) and its consoles.

    Only the hub's own pages may: another site's form must not log a console out."""
    refuse_other_sites()
    await hub().access.log_out(current_user.auth_id)
    logout_user()
    # a chooser or login form left in this browser's history stops working (see `_enter`)
    return remember(redirect("/login", 303), new_secret(16))


@bp.get("/console")
async def console() -> Any:
    user = await current_staff()
    if user is None:
        return redirect("/login?next=/console")
    tenant = await hub().accounts.tenant(user["tenant_id"])
    # The console offers only the moves the model allows: one source of truth.
    transitions = {s.value: [t.value for t in targets] for s, targets in TRANSITIONS.items()}
    return await render_template(
        "staff/console.html",
        user=public_user(user),
        tenant=tenant,
        transitions=transitions,
        setup=await setup_nudge(user, tenant) if Role(user["role"]).allows(Role.manager) else None,
        etiquette=etiquette_lexicon(),  # the checklist ticks as the server would
        # several restaurants, each with its "Barra": cards, panel and filter name them
        establishments=await hub().setup.establishment_names(user["tenant_id"]),
        reply_channels=configured_channels(hub().settings),  # what the reply hint may promise
    )
