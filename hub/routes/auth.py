"""staff_required: a session cookie or a Bearer API token, and a minimum role."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import cache, wraps
from typing import ParamSpec, TypeVar

from quart import g, request
from quart_auth import current_user

from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Forbidden, Invalid, Unauthorized
from hub.ports import Doc
from hub.routes.intake import client_ip
from hub.security import hash_password, verify_password
from hub.staff_auth import is_active

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-Requested-With"
CSRF_VALUE = "sos-hub"
P = ParamSpec("P")
R = TypeVar("R")


@cache
def _decoy_hash() -> str:
    return hash_password("an unknown e-mail costs as much as a wrong password")


async def password_matches(user: Doc | None, password: str) -> bool:
    """Whether `password` is `user`'s, at the same cost when there is no such user.

    Argon2 takes tens of milliseconds of CPU: off the event loop (sockets keep flowing),
    and also for unknown e-mails, so timing does not tell which e-mails have accounts.
    """
    stored = user.get("password_hash") if user else None
    return await asyncio.to_thread(_check_password, stored, password[:1024])


def _check_password(stored: str | None, password: str) -> bool:
    return verify_password(stored or _decoy_hash(), password) and stored is not None


def _login_keys(email: str) -> dict[str, str]:
    ip = client_ip()
    return {"ip": ip, "pair": f"{email}|{ip}"}


async def check_login(email: str, password: str) -> Doc:
    """The active user these credentials name, or Unauthorized (RateLimited while throttled).

    Only failures count, per e-mail and address: an attacker's guesses throttle the
    attacker's address for that e-mail, never the owner logging in from elsewhere.
    """
    email = email.strip().lower()[:320]
    keys = _login_keys(email)
    await hub().limiter.peek("login", **keys)
    user = await hub().store.lookup("users", "email", email) if email else None
    if not await password_matches(user, password) or user is None or not is_active(user):
        await hub().limiter.record("login", **keys)
        raise Unauthorized("wrong e-mail or password")
    return user


async def check_current_password(user: Doc, password: str) -> None:
    """Refuse (naming `current`) unless `password` is `user`'s; throttled like logins."""
    keys = _login_keys(str(user["email"]))
    await hub().limiter.peek("login", **keys)
    if not await password_matches(user, password):
        await hub().limiter.record("login", **keys)
        raise Invalid("current: that is not your current password", field="current")


async def current_staff() -> Doc | None:
    """The staff user of this request: Bearer token first, then the session cookie."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return await hub().auth.from_token(header[7:].strip())
    if await current_user.is_authenticated:
        # CSRF: a cross-site page cannot add a custom header without a CORS preflight,
        # which this hub never grants; together with SameSite cookies this suffices.
        if (
            request.method not in SAFE_METHODS
            and request.path.startswith("/api/")
            and request.headers.get(CSRF_HEADER) != CSRF_VALUE
        ):
            raise Forbidden(
                f"send the header {CSRF_HEADER}: {CSRF_VALUE} with the session cookie"
            )
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

        return wrapper

    return decorate


def staff() -> Doc:
    """The staff user that staff_required let through."""
    user: Doc = g.staff
    return user


def tenant_id() -> str:
    """The tenant every query of this request is scoped to."""
    return str(staff()["tenant_id"])


