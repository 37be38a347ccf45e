"""The operator's cookie and the decorators of operator pages and operator API routes.

The operator cookie is a quart-auth cookie of its own (`SOS_OPERATOR`, its own signing
salt), so a staff cookie (`QUART_AUTH`) never verifies as an operator's and the other way
round; its signed id names a session in `operator_sessions` (hub/installation/operators.py).
Operators have no API token: the cookie, and on writes the same checks as staff's: the
CSRF header on the API, and from the hub's own pages (`refuse_other_sites`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from quart import Quart, current_app, g, redirect, request
from quart_auth import Action, AuthUser, QuartAuth
from quart_schema import security_scheme
from werkzeug.urls import iri_to_uri

from hub.container import hub
from hub.errors import Forbidden, Unauthorized
from hub.installation.operators import SESSION_HOURS
from hub.ports import Doc
from hub.routes.auth import CSRF_HEADER, CSRF_VALUE, SAFE_METHODS, refuse_other_sites
from hub.routes.openapi import OPERATOR

COOKIE = "SOS_OPERATOR"
_ATTRIBUTE = "sos_operator"
_SALT = "sos-hub operator session"
P = ParamSpec("P")
R = TypeVar("R")


def install_operator_cookie(app: Quart) -> QuartAuth:
    """The second quart-auth extension, for operators (never the singleton staff use)."""
    return QuartAuth(
        app,
        attribute_name=_ATTRIBUTE,
        cookie_name=COOKIE,
        salt=_SALT,
        duration=SESSION_HOURS * 3600,
        singleton=False,
    )


def _cookie() -> QuartAuth:
    extensions: list[QuartAuth] = current_app.extensions["QUART_AUTH"]
    return next(ext for ext in extensions if ext.attribute_name == _ATTRIBUTE)


def log_operator_in(auth_id: str) -> None:
    """Set the operator cookie on this response (kept for SESSION_HOURS)."""
    _cookie().login_user(AuthUser(auth_id, Action.WRITE_PERMANENT))


def log_operator_out() -> None:
    _cookie().logout_user()


def operator_auth_id() -> str | None:
    """The verified id the operator cookie of this request carries, if any."""
    return _cookie().load_user().auth_id


async def current_operator() -> Doc | None:
    """The operator of this request (their cookie), or None; CSRF-checked on API writes."""
    auth_id = operator_auth_id()
    if auth_id is None:
        return None
    if request.method not in SAFE_METHODS:
        if request.path.startswith("/api/") and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
            raise Forbidden(f"send the header {CSRF_HEADER}: {CSRF_VALUE} with the operator cookie")
        refuse_other_sites()
    return await hub().operators.from_session(auth_id)


def operator_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Let an API view run only for a logged-in operator (401 otherwise); sets g.operator."""

    @wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        found = await current_operator()
        if found is None:
            raise Unauthorized("log in as the installation's operator")
        g.operator = found
        return await view(*args, **kwargs)

    return security_scheme(OPERATOR)(wrapper)  # /openapi.json: the operator cookie


def operator_page(view: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
    """Let a page run only for a logged-in operator; anyone else goes to the operator login."""

    @wraps(view)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
        found = await current_operator()
        if found is None:
            return redirect("/operator/login?next=" + iri_to_uri(request.path))
        g.operator = found
        return await view(*args, **kwargs)

    return wrapper


def operator() -> Doc:
    """The operator that `operator_required` or `operator_page` let through."""
    found: Doc = g.operator
    return found
