"""Ending access: logout, a new password, a new API token, a deactivated user.

Each use case changes the store first (a copied cookie or an old token gets 401 from then
on) and then closes the sockets that credential opened, on every instance.
"""

from __future__ import annotations

import asyncio

import socketio

from hub.clock import new_secret
from hub.errors import Invalid, NotFound
from hub.ports import Doc, Store
from hub.realtime.server import close_logins, close_token_consoles, close_user
from hub.security import hash_password, hash_token
from hub.staff_auth import end_session, end_sessions, parse_session_id

MIN_PASSWORD = 8  # as for new users (hub.accounts.services.create_user)
MAX_PASSWORD = 1024


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
    password changed because it leaked must lock out whoever used it.
    """
    check_new_password(new)
    hashed = await asyncio.to_thread(hash_password, new)  # Argon2: off the event loop
    await store.update(user["tenant_id"], "users", user["id"], {"password_hash": hashed})
    key = parse_session_id(current_auth_id)
    keep = key.session_id if key is not None and key.user_id == user["id"] else None
    ended = await end_sessions(store, user["tenant_id"], user["id"], keep=keep)
    await close_logins(sio, ended)
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
    await end_sessions(store, tenant_id, user_id)
    await close_user(sio, user_id)
    return user
