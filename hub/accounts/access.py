"""Staff access: logging in, logout, a new password, a new API token, a deactivated user.

Each use case that ends access changes the store first (a copied cookie or an old token
gets 401 from then on) and then closes the sockets that credential opened, on every
instance. `Access` binds them to the hub's store, socket server and login throttle, so a
route (or anything else) calls them without a request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cache

import socketio

from hub.accounts.model import STAFF_SUSPENDED, is_suspended
from hub.accounts.passwords import hash_password, hash_token, verify_password
from hub.accounts.staff_auth import (
    end_session,
    end_sessions,
    is_active,
    parse_session_id,
    start_session,
)
from hub.clock import new_secret
from hub.errors import Invalid, NotFound, Suspended, Unauthorized
from hub.http.ratelimit import RateLimiter
from hub.ports import LOOKUP_ALL_LIMIT, Doc, Store
from hub.realtime.server import close_logins, close_token_consoles, close_user


@dataclass(frozen=True)
class Opening:
    """One account a login's credentials open, and its business."""

    user: Doc
    tenant: Doc


MIN_PASSWORD = 8  # as for new users (hub.accounts.services.create_user)
MAX_PASSWORD = 1024
# Accounts of one e-mail read at a login (documents only: the active ones among them, up to
# LOOKUP_ALL_LIMIT, have their password checked).
ACCOUNTS_READ = 5 * LOOKUP_ALL_LIMIT


async def log_out(store: Store, sio: socketio.AsyncServer, auth_id: str | None) -> None:
    """End this one session on the server and close the consoles it opened."""
    key = await end_session(store, auth_id)
    if key is not None:
        await close_logins(sio, [key.session_id])


def check_new_password(password: str, field: str = "new") -> str:
    """A new password's rules, naming `field` when broken."""
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"{field}: a password needs at least {MIN_PASSWORD} characters", field=field)
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"{field}: at most {MAX_PASSWORD} characters", field=field)
    return password


async def change_password(
    store: Store, sio: socketio.AsyncServer, user: Doc, new: str, *, current_auth_id: str | None
) -> int:
    """Set `user`'s password (the caller checked the current one) and end the other sessions.

    The session the change was made from stays; every other one, and its consoles, ends: a
    password changed because it leaked must lock out whoever used it. Whoever used it may
    also have made themselves an API token: changed from a session, the password retires the
    API token too (a new one is one `POST /api/v1/me/token` away); changed with the token,
    that token stays.
    """
    check_new_password(new)
    hashed = await asyncio.to_thread(hash_password, new)  # Argon2: off the event loop
    sets: Doc = {"password_hash": hashed}
    if current_auth_id is not None:
        sets["token_hash"] = None
    await store.update(user["tenant_id"], "users", user["id"], sets)
    key = parse_session_id(current_auth_id)
    keep = key.session_id if key is not None and key.user_id == user["id"] else None
    ended = await end_sessions(store, user["tenant_id"], user["id"], keep=keep)
    await close_logins(sio, ended)
    if current_auth_id is not None:
        await close_token_consoles(sio, user["id"])
    return len(ended)


async def rotate_token(store: Store, sio: socketio.AsyncServer, user: Doc) -> str:
    """Give `user` a new API token (returned this once); the old one gets 401 from now on."""
    token = "sos_" + new_secret(30)
    await store.update(user["tenant_id"], "users", user["id"], {"token_hash": hash_token(token)})
    await close_token_consoles(sio, user["id"])
    return token


async def deactivate_user(
    store: Store, sio: socketio.AsyncServer, tenant_id: str, user_id: str
) -> Doc:
    """Shut a user out at once: no login, no session, no token, no open console."""
    user = await store.update(tenant_id, "users", user_id, {"active": False})
    if user is None:
        raise NotFound(f"no user {user_id!r}", field="id")
    await shut_out(store, sio, tenant_id, user_id)
    return user


async def shut_out(store: Store, sio: socketio.AsyncServer, tenant_id: str, user_id: str) -> None:
    """End every session of a user, retire their API token and close every console they
    hold (cookie and token). The token is gone for good: switched on again next season, the
    user makes a new one (`POST /api/v1/me/token`); one made by whoever had their account
    must not come back with them."""
    await store.update(tenant_id, "users", user_id, {"token_hash": None})
    await end_sessions(store, tenant_id, user_id)
    await close_user(sio, user_id)


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


def _login_keys(email: str, ip: str, device: str | None = None) -> dict[str, str]:
    """What a login attempt counts against: the e-mail at this address, and the address;
    from a device where the user logged in before, that e-mail on that device alone (a
    stranger guessing from the same address never locks it)."""
    if device:
        return {"pair": f"{email}|device:{device}"}
    return {"ip": ip, "pair": f"{email}|{ip}"}


class Access:
    """Log in, log out, change a password, rotate a token: the store, sockets and throttle."""

    def __init__(self, store: Store, sio: socketio.AsyncServer, limiter: RateLimiter) -> None:
        self.store = store
        self.sio = sio
        self.limiter = limiter

    async def check_logins(
        self, email: str, password: str, ip: str, device: str | None = None
    ) -> list[Opening]:
        """The accounts these credentials open, one per business, or Unauthorized
        (RateLimited while throttled).

        An e-mail is unique per business only: a person working for two has an account at
        each, and the password is checked against every one (so only who knows a password
        learns which businesses it opens). Only failures count, per e-mail and address: an
        attacker's guesses throttle the attacker's address for that e-mail, never the owner
        logging in from elsewhere. The right password of a suspended business's user is told
        so (Suspended) when no other business opens.
        """
        email = email.strip().lower()[:320]
        async with self.limiter.attempt("login", **_login_keys(email, ip, device)) as failed:
            accounts = await self._active_accounts(email)
            if not accounts:
                await password_matches(None, password)  # an unknown e-mail costs a check too
            matched = [user for user in accounts if await password_matches(user, password)]
            if not matched:
                await failed()
                raise Unauthorized("wrong e-mail or password")
        opened: list[Opening] = []
        for user in matched:
            tenant = await self.store.get(user["tenant_id"], "tenants", user["tenant_id"])
            if not is_suspended(tenant):
                opened.append(Opening(user, tenant or {"id": user["tenant_id"]}))
        if not opened:
            raise Suspended(STAFF_SUSPENDED)
        return opened

    async def _active_accounts(self, email: str) -> list[Doc]:
        """The e-mail's accounts that may log in, at most LOOKUP_ALL_LIMIT (each costs a
        password check): accounts switched off at other businesses are read, never checked,
        and do not crowd out the ones in use."""
        if not email:
            return []
        found = await self.store.lookup_all("users", "email", email, ACCOUNTS_READ)
        return [user for user in found if is_active(user)][:LOOKUP_ALL_LIMIT]

    async def reopen(self, tenant_id: str, user_id: str) -> Opening | None:
        """An account a login opened a moment ago, if it may still log in (the choice of
        business, hub.routes.login_choice): active, its business not suspended."""
        user = await self.store.get(tenant_id, "users", user_id)
        if user is None or not is_active(user):
            return None
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        return None if tenant is None or is_suspended(tenant) else Opening(user, tenant)

    async def check_current_password(
        self, user: Doc, password: str, ip: str, device: str | None = None
    ) -> None:
        """Refuse (naming `current`) unless `password` is `user`'s; throttled like logins."""
        keys = _login_keys(str(user["email"]), ip, device)
        async with self.limiter.attempt("login", **keys) as failed:
            if not await password_matches(user, password):
                await failed()
                raise Invalid("current: that is not your current password", field="current")

    async def start_session(self, user: Doc) -> str:
        """A new server-side session for `user`: the id the session cookie carries."""
        return await start_session(self.store, user)

    async def log_out(self, auth_id: str | None) -> None:
        await log_out(self.store, self.sio, auth_id)

    async def change_password(self, user: Doc, new: str, *, current_auth_id: str | None) -> int:
        return await change_password(
            self.store, self.sio, user, new, current_auth_id=current_auth_id
        )

    async def rotate_token(self, user: Doc) -> str:
        return await rotate_token(self.store, self.sio, user)

    async def deactivate_user(self, tenant_id: str, user_id: str) -> Doc:
        return await deactivate_user(self.store, self.sio, tenant_id, user_id)
