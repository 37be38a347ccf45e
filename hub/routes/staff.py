"""Staff pages: log in, the console that stays open all shift, log out."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, make_response, redirect, render_template, request
from quart_auth import AuthUser, login_user, logout_user

from hub.accounts.model import public_user
from hub.container import hub
from hub.realtime.server import close_sessions
from hub.routes.auth import current_staff, password_matches
from hub.routes.intake import limit
from hub.staff_auth import session_id
from hub.tickets.model import TRANSITIONS

bp = Blueprint("staff", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/console"


@bp.get("/")
async def root() -> Any:
    return redirect("/console")


@bp.get("/login")
async def login_page() -> Any:
    return await render_template("staff/login.html", next=_safe_next(request.args.get("next")))


@bp.post("/login")
async def login_form() -> Any:
    form = await request.form
    email = form.get("email", "").strip().lower()[:320]
    await limit("login", email=email)
    user = await hub().store.lookup("users", "email", email) if email else None
    if not await password_matches(user, form.get("password", "")) or user is None:
        html = await render_template(
            "staff/login.html", next=_safe_next(form.get("next")), email=email, failed=True
        )
        return await make_response(html, 401)
    login_user(AuthUser(session_id(user)), remember=True)
    return redirect(_safe_next(form.get("next")), 303)


@bp.post("/logout")
async def logout() -> Any:
    user = await current_staff()
    logout_user()
    if user is not None:  # logging out also closes the consoles of this user's sessions
        await close_sessions(hub().sio, user["id"])
    return redirect("/login", 303)


@bp.get("/console")
async def console() -> Any:
    user = await current_staff()
    if user is None:
        return redirect("/login?next=/console")
    tenant = await hub().store.get(user["tenant_id"], "tenants", user["tenant_id"])
    # The console offers only the moves the model allows: one source of truth.
    transitions = {s.value: [t.value for t in targets] for s, targets in TRANSITIONS.items()}
    return await render_template(
        "staff/console.html", user=public_user(user), tenant=tenant, transitions=transitions
    )
