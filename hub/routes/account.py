"""Staff pages about people: /admin/users (admins), /account (everyone), /set-password/<token>.

The set-password page is public: the link's token is the key. It is a plain HTML form that
works without JavaScript, with the login form's CSRF token (a cross-site page must not be
able to log a victim's browser in to an account of the attacker's). Used or replaced links
answer 410, expired ones too, each saying what to do next.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, g, make_response, redirect, render_template, request
from quart_auth import AuthUser, login_user

from hub.accounts.access import MAX_PASSWORD, MIN_PASSWORD
from hub.accounts.model import STAFF_LANGUAGES, Role
from hub.accounts.password_links import Found, LinkState
from hub.container import hub
from hub.errors import Gone
from hub.i18n import gettext as _
from hub.routes.auth import staff, tenant_id
from hub.routes.first_run import landing
from hub.routes.login_form import FIELD, browser_value, form_token, remember, token_matches
from hub.routes.pages import render_page, staff_page
from hub.routes.users import user_json

bp = Blueprint("account", __name__)

FORM_PATH = "/set-password"  # the pre-login cookie of this form is sent only here
GRANTABLE = ("agent", "manager", "admin")


@bp.get("/admin/users")
@staff_page(Role.admin)
async def users_page() -> Any:
    """Invite colleagues, change their roles, switch them off, reset their passwords."""
    people = [user_json(u).model_dump() for u in await hub().accounts.users(tenant_id())]
    return await render_page(
        "admin/users.html", people=people, roles=GRANTABLE, languages=STAFF_LANGUAGES
    )


@bp.get("/account")
@staff_page(Role.agent)
async def account_page() -> Any:
    """One's own name, language, password and API token."""
    me = user_json(staff()).model_dump()
    return await render_page(
        "staff/account.html", me=me, languages=STAFF_LANGUAGES, min_password=MIN_PASSWORD
    )


@bp.get("/set-password/<token>")
async def set_password_page(token: str) -> Any:
    return await _form(await _open(token))


async def _open(token: str) -> Found:
    """The link, with the page's language set from its user before any word is translated
    (the refusals under the fields too: one language on the page)."""
    found = await hub().team.open_link(token)
    if found.user is not None:
        g.lang = _language(found.user)
    return found


@bp.post("/set-password/<token>")
async def set_password(token: str) -> Any:
    """Choose a password with the link: logged in, and sent where a login lands (a new
    business's admin or manager to the first-run checklist, everyone else to the console)."""
    found = await _open(token)
    if found.state is not LinkState.valid:
        return await _form(found)
    form = await request.form
    if not token_matches(form.get(FIELD)):
        return await _form(found, status=403, error=_expired_form())
    password, again = form.get("password", ""), form.get("again", "")
    problem = _password_problem(password, again)
    if problem is not None:
        field, message = problem
        return await _form(found, status=400, error=message, field=field)
    try:
        user = await hub().team.set_password(token, password)
    except Gone:  # used in another tab a moment ago
        return await _form(await _open(token))
    login_user(AuthUser(await hub().access.start_session(user)), remember=True)
    return redirect(await landing(user), 303)


def _expired_form() -> str:
    return _("This page had expired, or came from another site. Nothing changed: try again.")


def _password_problem(password: str, again: str) -> tuple[str, str] | None:
    """The field to fix and why (the rules of `hub.accounts.access.check_new_password`)."""
    if len(password) < MIN_PASSWORD:
        return "password", _("Use at least %(count)s characters.", count=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return "password", _("Use at most %(count)s characters.", count=MAX_PASSWORD)
    if again != password:
        return "again", _("The two passwords are not the same. Type it again.")
    return None


async def _form(found: Found, *, status: int = 200, **context: Any) -> Any:
    """The form for a valid link, or the page that says why the link no longer works (in
    the language `_open` chose)."""
    if found.state is not LinkState.valid or found.user is None or found.link is None:
        status = 404 if found.state is LinkState.unknown else 410
        html = await render_template("staff/link_gone.html", state=found.state.value)
        return await make_response(html, status)
    value = browser_value()
    html = await render_template(
        "staff/set_password.html",
        email=found.user["email"],
        invite=found.link.get("purpose") == "invite",
        csrf_token=form_token(value),
        min_password=MIN_PASSWORD,
        **context,
    )
    return remember(await make_response(html, status), value, FORM_PATH)


def _language(user: dict[str, Any]) -> str:
    """?lang= first, then the language the admin chose for this user, then the request's."""
    asked = (request.args.get("lang") or "")[:2].lower()
    if asked in STAFF_LANGUAGES:
        return asked
    own = str(user.get("language") or "")
    return own if own in STAFF_LANGUAGES else str(g.lang)
