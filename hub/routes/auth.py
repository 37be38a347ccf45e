"""staff_required: a session cookie or a Bearer API token, and a minimum role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from quart import g, request
from quart_auth import current_user
from quart_schema import security_scheme

from hub.accounts.access import Opening
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Forbidden, Unauthorized
from hub.ports import Doc
from hub.routes.intake import client_network
from hub.routes.known_device import known_device, remember_device
from hub.routes.openapi import STAFF

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "sos-hub"
P = ParamSpec("P")
R = TypeVar("R")


async def check_logins(email: str, password: str) -> list[Opening]:
    """The accounts (one per business) these credentials open, or Unauthorized (see
    `Access.check_logins`); a browser that logged in with this e-mail before is throttled on
    its own (hub.routes.known_device)."""
    email = email.strip().lower()[:320]
    device = known_device(email)
    opened = await hub().access.check_logins(email, password, client_network(), device)
    remember_device(email)
    return opened


async def check_current_password(user: Doc, password: str) -> None:
    """Refuse (naming `current`) unless `password` is `user`'s; throttled like logins."""
    device = known_device(str(user["email"]))
    await hub().access.check_current_password(user, password, client_network(), device)


async def current_staff() -> Doc | None:
    """The staff user of this request: Bearer token first, then the session cookie."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return await hub().auth.from_token(header[7:].strip())
    if await current_user.is_authenticated:
        # CSRF: a cross-site page cannot add a custom header without a CORS preflight,
        # which this hub never grants; SameSite cookies keep other sites' forms out. A
        # sibling subdomain or a sandboxed frame ("Origin: null") is the same site: every
        # write with the cookie must also come from this hub's own pages.
        if request.method not in SAFE_METHODS:
            if request.path.startswith("/api/") and request.headers.get(CSRF_HEADER) != CSRF_VALUE:
                raise Forbidden(
                    f"send the header {CSRF_HEADER}: {CSRF_VALUE} with the session cookie"
                )
            refuse_other_sites()
        return await hub().auth.from_session(current_user.auth_id)
    return None


def staff_required(
    role: Role = Role.agent,
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Let the view run only for staff with at least `role`; sets g.staff."""

    def decorate(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @wraps(view)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            user = await current_staff()
            if user is None:
                raise Unauthorized("log in or send a Bearer API token")
            if not Role(user["role"]).allows(role):
                raise Forbidden(f"this needs the {role.value} role")
            g.staff = user
            return await view(*args, **kwargs)

        return security_scheme(STAFF)(wrapper)  # /openapi.json: a token or the session cookie

    return decorate


def staff() -> Doc:
    """The staff user that staff_required let through."""
    user: Doc = g.staff
    return user


def tenant_id() -> str:
    """The tenant every query of this request is scoped to."""
    return str(staff()["tenant_id"])


OTHER_SITE = (
    "this request was sent from another site, or from a page that does not say where it"
    " comes from (Origin: null); nothing was changed. Send it from the hub's own pages, or"
    " with an API token (Authorization: Bearer) instead of the session cookie"
)


def refuse_other_sites() -> None:
    """Refuse (403) a cookie's write that another page sent (`sent_from_this_site`): the
    staff pages' forms, the logouts, which take no custom header, and the API's writes."""
    if not sent_from_this_site():
        raise Forbidden(OTHER_SITE)


def sent_from_this_site() -> bool:
    """Whether a form post came from one of this hub's pages.

    SameSite=Lax cookies already keep other sites' forms out, but not a sibling subdomain's
    (same site, other origin). Browsers say where a request comes from in `Sec-Fetch-Site`
    (`same-origin`; `none` when typed or bookmarked), which no page can forge. One that
    does not (an older browser; a privacy proxy that strips it) is judged by its Origin:
    the host alone is compared (a proxy ending TLS makes the scheme differ), and the hub's
    public URL and allowed origins count as this site. "null" is refused: it is what a
    sandboxed frame on a sibling subdomain sends, or a post redirected across origins; the
    hub's own pages send their origin (`Referrer-Policy: same-origin`, routes/headers.py).
    A request that names no origin passes: browsers name one on every post, so it is a
    script, which holds the cookie itself.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    sent = request.headers.get("Origin")
    if not sent:
        return True
    if sent == "null":
        return False
    host = urlsplit(sent).netloc.lower()
    settings = hub().settings
    ours = {urlsplit(o).netloc.lower() for o in (settings.public_origin, *settings.allowed_origins)}
    return bool(host) and (host == request.host.lower() or host in ours)
